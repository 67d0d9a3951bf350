//! Where a module's top-level statements, and the pieces that group them, start: found from the
//! text alone.
//!
//! Preflight parses each run of a few top-level statements as a tree of its own
//! ([`super::ModuleTree`]), because tree-sitter-python revisits every top-level statement of a
//! tree on each reparse. The split must not need a parse, and must be a function of the text, so
//! that splitting after an edit and splitting the new text from scratch agree
//! ([`piece_starts_after`] says where runs are cut).
//!
//! A line starts a statement when it begins at column 0 with code, outside any string or bracket,
//! and does not continue the line before (a trailing `\`), a compound statement (`else:`,
//! `elif`, `except`, `finally:`) or a decorator. Blank lines and comments never start one: a
//! comment at column 0 may sit inside an indented block. The one exception to the bracket rule is
//! a line that starts with `def`, `class`, `async def` or `import`: no expression can continue
//! with those words, so an unclosed bracket above them is an error that ends there, and a
//! bracket typed without its closing partner does not join the rest of the file into one piece.
//! Strings have the like exception: a docstring typed without its closing quotes pairs with the
//! quotes that open the next docstring, `"""Return ...`, and from there on every string and every
//! stretch of code trade places. Closing quotes glued to a word never occur in valid code (bar a
//! keyword or a string prefix), so a string that ends so is taken to end with its first line, and
//! the statements it swallowed are statements again. The scan then read past the statement it
//! was in: it reports how far ([`statement_starts`]), so that an edit there splits it again.

use std::cell::Cell;
use std::ops::ControlFlow;

/// Words that continue the compound statement above them when they start a line.
const CONTINUATIONS: &[&[u8]] = &[b"else", b"elif", b"except", b"finally"];

/// Words that start a statement even inside an unclosed bracket.
const ALWAYS_STATEMENTS: &[&[u8]] = &[b"def", b"class", b"import", b"async def"];

/// Calls `found` with the start of each top-level statement after `from`, in order, until it
/// breaks or the text ends; with it, the *reach* of the statement that ends there: the end of the
/// bytes past that start its scan read (a docstring left open is only seen as such at the next
/// docstring), or 0 when it read none.
///
/// `from` must be 0 or a statement start found by an earlier scan: the scan assumes it starts
/// outside any string or bracket. The line at `from` is not reported. From 0, the first
/// statement is not reported either: comments and blank lines above it belong to it.
pub fn statement_starts(
    text: &[u8],
    from: usize,
    mut found: impl FnMut(usize, usize) -> ControlFlow<()>,
) {
    let mut depth: u32 = 0;
    // The quote byte and whether it is tripled, while inside a string.
    let mut string: Option<(u8, bool)> = None;
    // Where the last triple-quoted string opened, and the bracket depth there.
    let mut opened = (0, 0);
    let mut reach = 0;
    let mut continued = false;
    let mut after_decorator = false;
    let mut code_seen = from > 0;
    let mut i = from;
    let mut line_start = true;
    while i < text.len() {
        if line_start {
            line_start = false;
            let rest = &text[i..];
            let code = !matches!(rest[0], b' ' | b'\t' | b'\n' | b'\r' | b'#' | b'\x0c');
            let always = code && ALWAYS_STATEMENTS.iter().any(|w| starts_with_word(rest, w));
            if code && string.is_none() && !continued && (depth == 0 || always) {
                let continues = CONTINUATIONS.iter().any(|w| starts_with_word(rest, w));
                let starts = !continues && !after_decorator && code_seen && i > from;
                if starts {
                    if found(i, reach).is_break() {
                        return;
                    }
                    reach = 0;
                }
                depth = 0;
                code_seen = true;
                after_decorator = rest[0] == b'@';
            }
            continued = false;
        }
        let b = text[i];
        match string {
            Some((quote, triple)) => match b {
                // An escaped byte never ends the string; an escaped line break continues it.
                b'\\' => {
                    if text.get(i + 1) == Some(&b'\n') {
                        line_start = true;
                    }
                    i += 2;
                    continue;
                }
                b'\n' => {
                    line_start = true;
                    // A one-quote string cannot span lines: it ends, unterminated, here.
                    if !triple {
                        string = None;
                    }
                }
                _ if b == quote => {
                    if !triple {
                        string = None;
                    } else if text.get(i + 1) == Some(&quote) && text.get(i + 2) == Some(&quote) {
                        string = None;
                        if let Some(word) = glued_word(&text[i + 3..]) {
                            // These quotes open a docstring (`"""Return ...`): the string they
                            // seem to close was never closed, and swallowed the statements since.
                            // It is taken to end with its first line, so that a docstring typed
                            // without its closing quotes does not join every statement down to
                            // the next docstring into one.
                            // The decision read the word and the byte after it (or the end of
                            // the text, which an insertion there would move).
                            reach = reach.max(i + 3 + word + 1);
                            let (at, was) = opened;
                            i = memchr::memchr(b'\n', &text[at..]).map_or(text.len(), |n| at + n);
                            depth = was;
                            continue;
                        }
                        i += 3;
                        continue;
                    }
                }
                // Only the quote, a backslash or a line break can end or continue the string.
                _ => {
                    i += 1;
                    i = memchr::memchr3(quote, b'\\', b'\n', &text[i..])
                        .map_or(text.len(), |n| i + n);
                    continue;
                }
            },
            None => match b {
                b'#' => {
                    i = memchr::memchr(b'\n', &text[i..]).map_or(text.len(), |n| i + n);
                    continue;
                }
                b'\'' | b'"' => {
                    let triple = text.get(i + 1) == Some(&b) && text.get(i + 2) == Some(&b);
                    string = Some((b, triple));
                    if triple {
                        opened = (i, depth);
                    }
                    i += if triple { 3 } else { 1 };
                    continue;
                }
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' => depth = depth.saturating_sub(1),
                b'\\' => {
                    let next = if text.get(i + 1) == Some(&b'\r') {
                        i + 2
                    } else {
                        i + 1
                    };
                    if text.get(next) == Some(&b'\n') {
                        i = next + 1;
                        line_start = true;
                        continued = true;
                        continue;
                    }
                }
                b'\n' => line_start = true,
                // Nothing up to the next byte the arms above match can change the state.
                _ => {
                    i += 1;
                    i += text[i..]
                        .iter()
                        .position(|&c| MEANINGFUL[usize::from(c)])
                        .unwrap_or(text.len() - i);
                    continue;
                }
            },
        }
        i += 1;
    }
}

/// The bytes that mean something to [`statement_starts`] outside strings.
const MEANINGFUL: [bool; 256] = {
    let mut table = [false; 256];
    let bytes = b"#'\"([{)]}\\\n";
    let mut k = 0;
    while k < bytes.len() {
        table[bytes[k] as usize] = true;
        k += 1;
    }
    table
};

/// About one statement in `PIECE_ODDS + 1` starts a piece (see [`piece_starts_after`]).
const PIECE_ODDS: u32 = 7;

/// A piece never holds more statements than this, whatever their first lines say: a file of
/// a thousand equal lines is still cut.
const MAX_STATEMENTS: usize = 32;

/// A statement longer than this (with the comments and blank lines below it) starts a piece.
const BIG: usize = 2048;

/// Calls `found` with the start of each piece after `from` (0 or a piece start), in order, until
/// it breaks or the text ends; with it, the reach of the piece that ends there (see
/// [`statement_starts`]: an edit before it must split that piece again).
///
/// A piece is a run of statements. Each tree shifts on every edit above it (about a
/// microsecond each: with a tree per statement, 1.4 ms for a keystroke at the top of a
/// 20,000-line file), while reparsing a tree revisits each of its top-level statements, and
/// after a syntax error (a statement half typed) parses the rest of the tree again. Which
/// statement starts a piece must depend on the text near it alone, or an edit would move every
/// cut after it. A statement starts one when it is longer than [`BIG`] (a large class is never
/// parsed again for an error typed above it), when a hash of its first line says so (one in
/// eight), or when the piece before it already holds [`MAX_STATEMENTS`]. A statement half typed
/// after a complete one usually shares its piece, whose root then stays a `module`, which
/// tree-sitter reparses incrementally (a piece whose root is `ERROR` is parsed and analysed
/// again as a whole).
pub fn piece_starts_after(
    text: &[u8],
    from: usize,
    mut found: impl FnMut(usize, usize) -> ControlFlow<()>,
) {
    let every = EVERY_STATEMENT.with(Cell::get);
    let mut statements = 1;
    // Whether the statement `start..end` starts a piece.
    let mut cuts = |start: usize, end: usize| {
        let cut =
            every || statements >= MAX_STATEMENTS || end - start > BIG || opens_piece(text, start);
        statements = if cut { 1 } else { statements + 1 };
        cut
    };
    // A statement's size is known when the next one starts: each decision waits for it.
    let mut pending: Option<usize> = None;
    let mut stopped = false;
    // The reach of the piece before `pending`.
    let mut reach = 0;
    statement_starts(text, from, |at, statement_reach| {
        if let Some(start) = pending {
            if cuts(start, at) {
                if found(start, reach).is_break() {
                    stopped = true;
                    return ControlFlow::Break(());
                }
                reach = 0;
            }
        }
        reach = reach.max(statement_reach);
        pending = Some(at);
        ControlFlow::Continue(())
    });
    if let Some(start) = pending.filter(|_| !stopped) {
        if cuts(start, text.len()) {
            let _ = found(start, reach);
        }
    }
}

thread_local! {
    static EVERY_STATEMENT: Cell<bool> = const { Cell::new(false) };
}

/// For tests: on the calling thread, every statement starts a piece, so that a text of a few
/// lines exercises as many pieces (and their edge cases) as a large file. Nothing else sets it.
#[doc(hidden)]
pub fn cut_at_every_statement(on: bool) {
    EVERY_STATEMENT.with(|e| e.set(on));
}

/// Whether the statement starting at `at` starts a piece: FNV-1a of its first line, a fixed
/// function so that every run and every process cuts the same text the same way.
fn opens_piece(text: &[u8], at: usize) -> bool {
    let line = &text[at..];
    let line = &line[..memchr::memchr(b'\n', line).unwrap_or(line.len())];
    let hash = line.iter().fold(0x811c_9dc5_u32, |h, &b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    // The high bits mix best.
    hash >> 29 & PIECE_ODDS == 0
}

/// The pieces that tile `text` as (start, reach) pairs, the first starting at 0; the reach of the
/// last is 0 (nothing follows it).
pub fn pieces(text: &[u8]) -> Vec<(usize, usize)> {
    let mut pieces = vec![(0, 0)];
    piece_starts_after(text, 0, |at, reach| {
        if let Some(last) = pieces.last_mut() {
            last.1 = reach;
        }
        pieces.push((at, 0));
        ControlFlow::Continue(())
    });
    pieces
}

/// The starts of the pieces that tile `text`, with 0 first.
#[cfg(test)]
fn piece_starts(text: &[u8]) -> Vec<usize> {
    pieces(text).into_iter().map(|(start, _)| start).collect()
}

/// Every statement start of `text`, with 0 first.
#[cfg(test)]
fn all_statement_starts(text: &[u8]) -> Vec<usize> {
    let mut starts = vec![0];
    statement_starts(text, 0, |at, _| {
        starts.push(at);
        ControlFlow::Continue(())
    });
    starts
}

/// The length of the word `text` starts with, when `text` follows a string's closing quotes and the
/// word is one no valid code puts there: not a keyword that may follow an expression
/// (`"""a"""if b else c`), nor the prefix of a string it continues (`"""a"""f"b"`).
fn glued_word(text: &[u8]) -> Option<usize> {
    let word = &text[..text
        .iter()
        .position(|&b| !is_word_byte(b))
        .unwrap_or(text.len())];
    if word.is_empty() {
        return None;
    }
    let follows_expression = [
        &b"if"[..],
        b"else",
        b"and",
        b"or",
        b"not",
        b"in",
        b"is",
        b"for",
        b"async",
    ]
    .contains(&word);
    let prefix = word.len() <= 2
        && word
            .iter()
            .all(|b| matches!(b.to_ascii_lowercase(), b'r' | b'u' | b'f' | b'b' | b't'))
        && matches!(text.get(word.len()), Some(b'"' | b'\''));
    (!follows_expression && !prefix).then_some(word.len())
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// Whether `text` starts with `word` followed by something that cannot continue an identifier.
fn starts_with_word(text: &[u8], word: &[u8]) -> bool {
    text.starts_with(word) && text.get(word.len()).is_none_or(|&b| !is_word_byte(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The starts a scan reports, all of them.
    fn reported(scan: impl FnOnce(&mut dyn FnMut(usize, usize) -> ControlFlow<()>)) -> Vec<usize> {
        let mut starts = Vec::new();
        scan(&mut |at, _| {
            starts.push(at);
            ControlFlow::Continue(())
        });
        starts
    }

    /// `text` cut at each statement start.
    fn statements(text: &str) -> Vec<&str> {
        let starts = all_statement_starts(text.as_bytes());
        let ends = starts.iter().skip(1).copied().chain([text.len()]);
        starts.iter().zip(ends).map(|(&a, b)| &text[a..b]).collect()
    }

    #[test]
    fn each_top_level_statement_is_a_piece_with_the_comments_below_it() {
        let text =
            "# head\n\nimport os\nx = 1\n# note\n\ndef f():\n    pass\n# inside\n    return 1\n";
        assert_eq!(
            statements(text),
            [
                "# head\n\nimport os\n",
                "x = 1\n# note\n\n",
                "def f():\n    pass\n# inside\n    return 1\n"
            ]
        );
    }

    #[test]
    fn compound_statements_decorators_and_continuations_stay_whole() {
        let text = "if a:\n    pass\nelif b:\n    pass\nelse:\n    pass\n\
                    try:\n    pass\nexcept E:\n    pass\nfinally:\n    pass\n\
                    @dec\n# c\n@other(\n  1,\n)\nasync def g():\n    pass\n\
                    x = 1 + \\\n2\ny = (\n1\n)\nelsewhere = 1\n";
        assert_eq!(
            statements(text),
            [
                "if a:\n    pass\nelif b:\n    pass\nelse:\n    pass\n",
                "try:\n    pass\nexcept E:\n    pass\nfinally:\n    pass\n",
                "@dec\n# c\n@other(\n  1,\n)\nasync def g():\n    pass\n",
                "x = 1 + \\\n2\n",
                "y = (\n1\n)\n",
                "elsewhere = 1\n",
            ]
        );
    }

    #[test]
    fn strings_hide_their_lines() {
        let text = "s = \"\"\"\nx = 1\n\\\"\"\"\n\"\"\"\nt = 'it''s'\nu = r'\\'\nv = 1\n";
        assert_eq!(
            statements(text),
            [
                "s = \"\"\"\nx = 1\n\\\"\"\"\n\"\"\"\n",
                "t = 'it''s'\n",
                // A backslash escapes the quote even in a raw string: this one ends unterminated.
                "u = r'\\'\n",
                "v = 1\n"
            ]
        );
        // A one-quote string ends at the line break, terminated or not.
        assert_eq!(statements("a = 'open\nb = 2\n"), ["a = 'open\n", "b = 2\n"]);
    }

    #[test]
    fn a_docstring_left_open_ends_with_its_line() {
        // The open quotes pair with those that open `g`'s docstring, glued to its first word.
        let text = "def f():\n    \"\"\"Open\n    x = 1\n\ndef g():\n    \"\"\"Doc.\"\"\"\n    return 1\n\nclass H:\n    \"\"\"Résumé.\"\"\"\n";
        assert_eq!(
            statements(text),
            [
                "def f():\n    \"\"\"Open\n    x = 1\n\n",
                "def g():\n    \"\"\"Doc.\"\"\"\n    return 1\n\n",
                "class H:\n    \"\"\"Résumé.\"\"\"\n",
            ]
        );
        // The line after the opening quotes keeps the bracket depth they were opened at.
        let text = "x = f('''a\ny = 1\n'''b\nz = 2\n";
        assert_eq!(statements(text), ["x = f('''a\ny = 1\n'''b\nz = 2\n"]);
        let text = "x = '''a\ny = 1\n'''b\nz = 2\n";
        assert_eq!(statements(text), ["x = '''a\n", "y = 1\n", "'''b\nz = 2\n"]);
        // Valid code may glue a keyword or another string to the closing quotes: those strings
        // are whole.
        let text = "s = \"\"\"a\nb = 1\n\"\"\"if c else d\nt = \"\"\"a\nb = 1\n\"\"\"f\"x\"\nu = '''\nb = 1\n'''RB'y'\nv = 1\n";
        assert_eq!(
            statements(text),
            [
                "s = \"\"\"a\nb = 1\n\"\"\"if c else d\n",
                "t = \"\"\"a\nb = 1\n\"\"\"f\"x\"\n",
                "u = '''\nb = 1\n'''RB'y'\n",
                "v = 1\n",
            ]
        );
        // A scan from any start agrees with the scan from the top.
        let text = "def f():\n    \"\"\"Open\n    x = 1\ny = 2\ndef g():\n    \"\"\"Doc\n    \"\"\"\nz = 3\n";
        let all = all_statement_starts(text.as_bytes());
        assert_eq!(all.len(), 4, "{:?}", statements(text));
        for (k, &from) in all.iter().enumerate() {
            let after = reported(|found| statement_starts(text.as_bytes(), from, found));
            assert_eq!(after, all[k + 1..]);
        }
    }

    #[test]
    fn an_unclosed_bracket_ends_at_a_definition() {
        let text = "x = f(\ny = 2\ndef g():\n    pass\nclass C: pass\n";
        assert_eq!(
            statements(text),
            ["x = f(\ny = 2\n", "def g():\n    pass\n", "class C: pass\n"]
        );
        // Words that only look like them do not.
        assert_eq!(statements("x = f(\ndefault\n)\n"), ["x = f(\ndefault\n)\n"]);
    }

    #[test]
    fn a_scan_from_a_start_finds_the_same_starts() {
        let text = b"a = 1\nb = [\n2]\nc = 3\n";
        let all = all_statement_starts(text);
        let from_b = reported(|found| statement_starts(text, all[1], found));
        assert_eq!(from_b, all[2..]);
    }

    #[test]
    fn odd_bytes_do_not_panic() {
        for text in [
            "\\",
            "'",
            "\"\"\"",
            "(\n\\\r",
            "\u{feff}x\n",
            "\r\n\r\n",
            "é = 1\nü = 2\n",
        ] {
            let _ = piece_starts(text.as_bytes());
            let _ = all_statement_starts(text.as_bytes());
        }
        assert_eq!(statements("é = 1\nü = 2\n"), ["é = 1\n", "ü = 2\n"]);
    }

    #[test]
    fn pieces_are_runs_of_statements_cut_by_their_first_lines() {
        let text: String = (0..400).map(|i| format!("v{i} = f({i})\n")).collect();
        let statements = all_statement_starts(text.as_bytes());
        let pieces = piece_starts(text.as_bytes());
        assert!(pieces.iter().all(|p| statements.contains(p)));
        // About one statement in eight starts a piece.
        assert!(
            (25..=100).contains(&pieces.len()),
            "{} pieces",
            pieces.len()
        );
        // A scan from any piece start finds the same cuts after it: they depend on the text
        // near them, not on where the scan began.
        for (k, &from) in pieces.iter().enumerate() {
            let after = reported(|found| piece_starts_after(text.as_bytes(), from, found));
            assert_eq!(after, pieces[k + 1..]);
        }
    }

    #[test]
    fn a_big_statement_starts_a_piece() {
        let big = format!("def big():\n{}\n", "    x = 1\n".repeat(300));
        let text = format!("a = 1\nb = 2\n{big}c = 3\nd = 4\n");
        let pieces = piece_starts(text.as_bytes());
        let at = text.find("def big").expect("in the text");
        assert!(pieces.contains(&at), "{pieces:?}");
    }

    #[test]
    fn equal_lines_are_still_cut() {
        // A line whose hash never opens a piece.
        let line = (0..)
            .map(|i| format!("x{i} = 1\n"))
            .find(|l| !opens_piece(l.as_bytes(), 0))
            .expect("most lines do not open a piece");
        let text = line.repeat(100);
        let every = MAX_STATEMENTS * line.len();
        let want: Vec<usize> = (0..text.len()).step_by(every).collect();
        assert_eq!(piece_starts(text.as_bytes()), want);
        assert!(want.len() > 1);
    }
}
