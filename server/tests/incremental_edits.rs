//! Property test: any sequence of incremental edits leaves the document's rope equal to the
//! expected text and its incrementally parsed tree equal to a fresh parse of that text.

use preflight::parse::parse_str;
use preflight::text::{Document, LineCol, PositionEncoding, TextChange};
use proptest::prelude::*;
use tree_sitter::Node;

const PIECES: &[&str] = &[
    "x",
    " ",
    "\n",
    "\r\n",
    "\t",
    "é",
    "中文",
    "😀",
    "(",
    ")",
    ":",
    "\"",
    "\"\"\"",
    "#",
    "'",
    "try:\n    pass\nexcept:\n    pass\n",
    "def f(a, b):\n    return a\n",
    "import requests\nrequests.get(u)\n",
    "    ",
    "if x:\n",
    "]",
    "{",
    "\\",
];

/// A position in `text` for a char index, in the given encoding (computed independently of the server).
fn position_of(text: &str, char_index: usize, enc: PositionEncoding) -> LineCol {
    let mut line = 0;
    let mut col = 0;
    let mut chars = text.chars().take(char_index).peekable();
    while let Some(c) = chars.next() {
        if c == '\n' || (c == '\r' && chars.peek() != Some(&'\n')) {
            line += 1;
            col = 0;
        } else if c != '\r' {
            col += match enc {
                PositionEncoding::Utf8 => c.len_utf8(),
                PositionEncoding::Utf16 => c.len_utf16(),
                PositionEncoding::Utf32 => 1,
            } as u32;
        }
    }
    LineCol { line, col }
}

fn shape(node: Node, out: &mut Vec<(String, usize, usize)>) {
    out.push((node.kind().to_string(), node.start_byte(), node.end_byte()));
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        shape(child, out);
    }
}

#[derive(Debug, Clone)]
struct EditOp {
    start: prop::sample::Index,
    len: usize,
    insert: Vec<prop::sample::Index>,
}

fn edit_op() -> impl Strategy<Value = EditOp> {
    (
        any::<prop::sample::Index>(),
        0usize..12,
        prop::collection::vec(any::<prop::sample::Index>(), 0..4),
    )
        .prop_map(|(start, len, insert)| EditOp { start, len, insert })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn incremental_edits_match_a_fresh_parse(
        ops in prop::collection::vec(edit_op(), 1..25),
        utf8 in any::<bool>(),
        batch in 1usize..4,
    ) {
        let enc = if utf8 { PositionEncoding::Utf8 } else { PositionEncoding::Utf16 };
        let mut expected = String::from("import os\n\ndef main():\n    print('héllo 中文 😀')\n");
        let mut doc = Document::new(1, &expected);
        let mut version = 1;
        for chunk in ops.chunks(batch) {
            // Several changes in one notification apply one after the other.
            let mut changes = Vec::new();
            for op in chunk {
                let chars: Vec<char> = expected.chars().collect();
                // Never split a "\r\n": such a position does not exist in the protocol.
                let mut start = op.start.index(chars.len() + 1);
                if start > 0 && start < chars.len() && chars[start - 1] == '\r' && chars[start] == '\n' {
                    start -= 1;
                }
                let mut end = (start + op.len).min(chars.len());
                if end > 0 && end < chars.len() && chars[end - 1] == '\r' && chars[end] == '\n' {
                    end += 1;
                }
                let text: String = op.insert.iter().map(|i| *i.get(PIECES)).collect();
                let range = (position_of(&expected, start, enc), position_of(&expected, end, enc));
                let byte_start = expected.char_indices().nth(start).map_or(expected.len(), |(b, _)| b);
                let byte_end = expected.char_indices().nth(end).map_or(expected.len(), |(b, _)| b);
                expected.replace_range(byte_start..byte_end, &text);
                changes.push(TextChange { range: Some(range), text });
            }
            version += 1;
            doc.apply_changes(version, &changes, enc).unwrap();
            prop_assert_eq!(&*doc.text(), expected.as_str());
            prop_assert_eq!(doc.rope.to_string(), expected.clone());
            let fresh = parse_str(&expected).unwrap();
            let (mut a, mut b) = (Vec::new(), Vec::new());
            shape(doc.tree().unwrap().root_node(), &mut a);
            shape(fresh.root_node(), &mut b);
            prop_assert_eq!(a, b);
        }
    }
}
