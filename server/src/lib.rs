//! Preflight: reviews Python code for production readiness, as a language server and a CLI.
//!
//! The flow: [`text`] keeps each document's rope and tree in step, [`parse`] produces trees,
//! [`analysis`] runs the [`rules`] over a tree and returns plain findings with [`fix`]es, and the
//! two front ends — [`lsp`] and [`cli`] — turn those into protocol messages or terminal output.
//! [`requirements`] checks pinning in `requirements*.txt`; [`report`] writes the production-readiness
//! report of a whole project.

pub mod analysis;
pub mod cli;
pub mod config;
pub mod fix;
pub mod lsp;
pub mod parse;
pub mod report;
pub mod requirements;
pub mod rules;
pub mod text;
