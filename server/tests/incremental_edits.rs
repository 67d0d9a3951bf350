//! Property test: any sequence of incremental edits leaves the document's rope equal to the
//! expected text and its incrementally parsed tree equal to a fresh parse of that text.

use preflight::analysis::{analyze, analyze_str, Finding};
use preflight::parse::parse_str;
use preflight::text::{Document, LineCol, PositionEncoding, TextChange};
use proptest::prelude::*;
use tree_sitter::Node;

/// A pasted block: long, multi-line, with rule triggers, CRLF and non-ASCII text.
const PASTE: &str = "\
import requests\r\n\
from flask_cors import CORS\n\
\n\
def handler(request):\n\
\ttry:\n\
        return requests.get(request.url)\n\
    except:\n\
        pass\n\
    wb = open('é中文😀')\n\
    wb.close()\n\
    return wb.read()\n\
\n\
CORS(app)\n\
class Service:\n\
    def run(self):\n\
        for i in range(10):\n\
            try:\n\
                self.step(i)\n\
            except Exception:\n\
                ...\n";

const PIECES: &[&str] = &[
    PASTE,
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

/// Everything a user sees of a finding.
fn visible(findings: &[Finding]) -> Vec<(String, std::ops::Range<usize>, String, Option<String>)> {
    findings
        .iter()
        .map(|f| {
            (
                f.rule.code.to_string(),
                f.range.clone(),
                f.message.clone(),
                f.fix.as_ref().map(|x| format!("{x:?}")),
            )
        })
        .collect()
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
        // Mostly small deletions; sometimes everything from the start position on.
        prop_oneof![9 => 0usize..12, 1 => Just(usize::MAX)],
        prop::collection::vec(any::<prop::sample::Index>(), 0..4),
    )
        .prop_map(|(start, len, insert)| EditOp { start, len, insert })
}

proptest! {
    // A fixed budget for CI; `PREFLIGHT_PROPTEST_CASES=100000` for a long run.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PREFLIGHT_PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256),
        ..ProptestConfig::default()
    })]

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
                // `usize::MAX` deletes the whole document.
                let mut start = if op.len == usize::MAX { 0 } else { op.start.index(chars.len() + 1) };
                if start > 0 && start < chars.len() && chars[start - 1] == '\r' && chars[start] == '\n' {
                    start -= 1;
                }
                let mut end = start.saturating_add(op.len).min(chars.len());
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
            // Diagnostics from the incremental tree equal those of a fresh analysis.
            let incremental = analyze(&expected, doc.tree().unwrap());
            prop_assert_eq!(visible(&incremental), visible(&analyze_str(&expected).unwrap()));
        }
    }
}
