//! Property test: any sequence of incremental edits leaves the document's rope equal to the
//! expected text and its incrementally parsed tree equal to a fresh parse of that text.

use preflight::text::edit_check::{self, Op};
use preflight::text::PositionEncoding;
use proptest::prelude::*;

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

fn edit_op() -> impl Strategy<Value = Op> {
    (
        any::<usize>(),
        // Mostly small deletions; sometimes everything from the start position on.
        prop_oneof![9 => 0usize..12, 1 => Just(usize::MAX)],
        prop::collection::vec(any::<prop::sample::Index>(), 0..4),
    )
        .prop_map(
            |(start, len, pieces): (usize, usize, Vec<prop::sample::Index>)| Op {
                start,
                len,
                insert: pieces.iter().map(|i| *i.get(PIECES)).collect(),
            },
        )
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
        every_statement in any::<bool>(),
    ) {
        // Half the cases cut a piece at every statement, so that this short text has several.
        preflight::parse::split::cut_at_every_statement(every_statement);
        let enc = if utf8 { PositionEncoding::Utf8 } else { PositionEncoding::Utf16 };
        let initial = "import os\n\ndef main():\n    print('héllo 中文 😀')\n";
        if let Err(e) = edit_check::run(initial, &ops, batch, enc) {
            prop_assert!(false, "{}", e);
        }
    }
}
