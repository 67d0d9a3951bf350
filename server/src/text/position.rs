//! Conversions between byte offsets and (line, column) positions.
//!
//! Every conversion between the protocol's positions (UTF-16 or UTF-8 code units, as negotiated),
//! the CLI's 1-based character columns and tree-sitter's byte offsets happens here, so a bug in
//! multi-byte handling has exactly one place to live.

use ropey::Rope;

/// How the column of a position is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PositionEncoding {
    /// Columns count UTF-8 bytes (LSP `utf-8`).
    Utf8,
    /// Columns count UTF-16 code units (LSP `utf-16`, the protocol default).
    #[default]
    Utf16,
    /// Columns count Unicode scalar values (LSP `utf-32`, and what people mean by "column").
    Utf32,
}

/// A zero-based line and a zero-based column in some [`PositionEncoding`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: u32,
    pub col: u32,
}

/// Why a position could not be mapped into the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PositionError {
    /// The line lies beyond the end of the document.
    LineOutOfRange { line: u32, lines: usize },
}

impl std::fmt::Display for PositionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PositionError::LineOutOfRange { line, lines } => {
                write!(
                    f,
                    "line {line} is beyond the end of a document of {lines} lines"
                )
            }
        }
    }
}

/// Byte length of the line's content, without its line break.
fn line_content_len_bytes(rope: &Rope, line: usize) -> usize {
    let slice = rope.line(line);
    let mut len = slice.len_bytes();
    // A line ends with "\n", "\r\n" or "\r" (ropey's `cr_lines`, matching the LSP definition).
    if len > 0 && slice.byte(len - 1) == b'\n' {
        len -= 1;
    }
    if len > 0 && slice.byte(len - 1) == b'\r' {
        len -= 1;
    }
    len
}

/// Converts a position to a byte offset.
///
/// A column past the end of its line is clamped to the line's end, as the LSP specification asks;
/// a line past the end of the document is an error, because clamping it would apply an edit in a
/// place the client never meant.
pub fn to_byte(rope: &Rope, pos: LineCol, enc: PositionEncoding) -> Result<usize, PositionError> {
    let line = pos.line as usize;
    let lines = rope.len_lines();
    if line >= lines {
        return Err(PositionError::LineOutOfRange {
            line: pos.line,
            lines,
        });
    }
    let line_start = rope.line_to_byte(line);
    let content_len = line_content_len_bytes(rope, line);
    let line_slice = rope.byte_slice(line_start..line_start + content_len);
    let col = pos.col as usize;
    let offset = match enc {
        PositionEncoding::Utf8 => {
            // Never split a character: round down to the start of the character the column lands in.
            let mut b = col.min(content_len);
            while b > 0 && b < content_len && !is_char_boundary(line_slice.byte(b)) {
                b -= 1;
            }
            b
        }
        PositionEncoding::Utf16 => {
            let units = line_slice.len_utf16_cu();
            let char_idx = line_slice.utf16_cu_to_char(col.min(units));
            line_slice.char_to_byte(char_idx)
        }
        PositionEncoding::Utf32 => {
            let chars = line_slice.len_chars();
            line_slice.char_to_byte(col.min(chars))
        }
    };
    Ok(line_start + offset)
}

fn is_char_boundary(b: u8) -> bool {
    // A UTF-8 continuation byte looks like 0b10xx_xxxx.
    (b as i8) >= -0x40
}

/// Converts a byte offset (clamped to the text, rounded down to a character boundary) to a position.
pub fn to_line_col(rope: &Rope, byte: usize, enc: PositionEncoding) -> LineCol {
    let mut byte = byte.min(rope.len_bytes());
    while byte > 0 && byte < rope.len_bytes() && !is_char_boundary(rope.byte(byte)) {
        byte -= 1;
    }
    let line = rope.byte_to_line(byte);
    let line_start = rope.line_to_byte(line);
    let col = match enc {
        PositionEncoding::Utf8 => byte - line_start,
        PositionEncoding::Utf16 => {
            let start_char = rope.byte_to_char(line_start);
            let char_idx = rope.byte_to_char(byte);
            rope.char_to_utf16_cu(char_idx) - rope.char_to_utf16_cu(start_char)
        }
        PositionEncoding::Utf32 => rope.byte_to_char(byte) - rope.byte_to_char(line_start),
    };
    LineCol {
        line: line as u32,
        col: col as u32,
    }
}

/// The tree-sitter point (row, byte column) of a byte offset.
///
/// Rows follow the rope's line breaks; for the only divergence (a lone `\r`, which tree-sitter does
/// not count as a row break) the point is informational only, since Preflight maps every node through
/// its byte offsets.
pub fn to_point(rope: &Rope, byte: usize) -> tree_sitter::Point {
    let byte = byte.min(rope.len_bytes());
    let row = rope.byte_to_line(byte);
    tree_sitter::Point {
        row,
        column: byte - rope.line_to_byte(row),
    }
}

/// Byte offsets of line starts for a plain string, for callers (the CLI) that hold a `&str`
/// rather than a rope.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes the line starts of `text` (`\n`, `\r\n` and `\r` all end a line).
    pub fn new(text: &str) -> Self {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        // memchr finds the line ends a vector at a time: this runs on every analysis.
        let mut ends = memchr::memchr2_iter(b'\n', b'\r', bytes).peekable();
        while let Some(i) = ends.next() {
            if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
                ends.next();
                starts.push(i + 2);
            } else {
                starts.push(i + 1);
            }
        }
        LineIndex { starts }
    }

    /// Zero-based line and zero-based column (in `enc` units) of a byte offset.
    pub fn line_col(&self, text: &str, byte: usize, enc: PositionEncoding) -> LineCol {
        let mut byte = byte.min(text.len());
        while !text.is_char_boundary(byte) {
            byte -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= byte) - 1;
        let prefix = &text[self.starts[line]..byte];
        let col = match enc {
            PositionEncoding::Utf8 => prefix.len(),
            PositionEncoding::Utf16 => prefix.encode_utf16().count(),
            PositionEncoding::Utf32 => prefix.chars().count(),
        };
        LineCol {
            line: line as u32,
            col: col as u32,
        }
    }

    /// The byte range of a zero-based line's content, without its line break.
    pub fn line_range(&self, text: &str, line: usize) -> std::ops::Range<usize> {
        let start = self.starts.get(line).copied().unwrap_or(text.len());
        let mut end = self.starts.get(line + 1).copied().unwrap_or(text.len());
        let bytes = text.as_bytes();
        if end > start && bytes[end - 1] == b'\n' {
            end -= 1;
        }
        if end > start && bytes[end - 1] == b'\r' {
            end -= 1;
        }
        start..end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "a = 'é'\nb = '中文'\r\nc = '😀x'\n";

    fn lc(line: u32, col: u32) -> LineCol {
        LineCol { line, col }
    }

    #[test]
    fn utf16_counts_surrogate_pairs_as_two_units() {
        let rope = Rope::from_str(TEXT);
        // Line 2: c = '😀x' — the emoji is two UTF-16 units and four UTF-8 bytes.
        let x_byte = TEXT.find('x').unwrap();
        assert_eq!(
            to_line_col(&rope, x_byte, PositionEncoding::Utf16),
            lc(2, 7)
        );
        assert_eq!(to_line_col(&rope, x_byte, PositionEncoding::Utf8), lc(2, 9));
        assert_eq!(
            to_line_col(&rope, x_byte, PositionEncoding::Utf32),
            lc(2, 6)
        );
        assert_eq!(
            to_byte(&rope, lc(2, 7), PositionEncoding::Utf16),
            Ok(x_byte)
        );
        assert_eq!(to_byte(&rope, lc(2, 9), PositionEncoding::Utf8), Ok(x_byte));
        assert_eq!(
            to_byte(&rope, lc(2, 6), PositionEncoding::Utf32),
            Ok(x_byte)
        );
    }

    #[test]
    fn accents_and_cjk_round_trip_in_every_encoding() {
        let rope = Rope::from_str(TEXT);
        let index = LineIndex::new(TEXT);
        for (byte, _) in TEXT.char_indices() {
            // The `\n` of a `\r\n` is inside a line break, which no position can address.
            if TEXT.as_bytes()[byte] == b'\n' && byte > 0 && TEXT.as_bytes()[byte - 1] == b'\r' {
                continue;
            }
            for enc in [
                PositionEncoding::Utf8,
                PositionEncoding::Utf16,
                PositionEncoding::Utf32,
            ] {
                let pos = to_line_col(&rope, byte, enc);
                assert_eq!(index.line_col(TEXT, byte, enc), pos, "byte {byte} {enc:?}");
                // Line breaks map to the end of their line, which is the same byte.
                assert_eq!(to_byte(&rope, pos, enc), Ok(byte), "byte {byte} {enc:?}");
            }
        }
    }

    #[test]
    fn column_past_line_end_clamps_before_the_line_break() {
        let rope = Rope::from_str(TEXT);
        let end_of_line_1 = TEXT.find('\r').unwrap();
        assert_eq!(
            to_byte(&rope, lc(1, 99), PositionEncoding::Utf16),
            Ok(end_of_line_1)
        );
        assert_eq!(
            to_byte(&rope, lc(1, 99), PositionEncoding::Utf8),
            Ok(end_of_line_1)
        );
    }

    #[test]
    fn utf8_column_inside_a_character_rounds_down() {
        let rope = Rope::from_str(TEXT);
        let e_acute = TEXT.find('é').unwrap();
        let col = (e_acute + 1) as u32; // the second byte of é
        assert_eq!(
            to_byte(&rope, lc(0, col), PositionEncoding::Utf8),
            Ok(e_acute)
        );
    }

    #[test]
    fn line_past_the_end_is_an_error() {
        let rope = Rope::from_str(TEXT);
        // The text ends with a line break, so line 3 exists (empty) and line 4 does not.
        assert_eq!(
            to_byte(&rope, lc(3, 0), PositionEncoding::Utf16),
            Ok(TEXT.len())
        );
        assert!(to_byte(&rope, lc(4, 0), PositionEncoding::Utf16).is_err());
    }

    #[test]
    fn lone_carriage_return_ends_a_line() {
        let text = "a\rb\n";
        let rope = Rope::from_str(text);
        assert_eq!(to_line_col(&rope, 2, PositionEncoding::Utf16), lc(1, 0));
        assert_eq!(
            LineIndex::new(text).line_col(text, 2, PositionEncoding::Utf16),
            lc(1, 0)
        );
    }
}
