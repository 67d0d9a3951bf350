//! Text storage and position arithmetic: the only place that knows about lines, columns and encodings.

pub mod document;
#[doc(hidden)]
pub mod edit_check;
pub mod position;

pub use document::{Document, EditError, TextChange};
pub use position::{LineCol, PositionEncoding};
