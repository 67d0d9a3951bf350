//! Fuzzes incremental sync: the input bytes become a sequence of edits (positions, deletions and
//! insertions built from multi-byte, CRLF and Python fragments) applied in UTF-8 or UTF-16; the
//! checker fails on any drift between the rope, the incremental tree, the diagnostics and a fresh
//! parse and analysis of the expected text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use preflight::text::edit_check::{run, Op};
use preflight::text::PositionEncoding;

const PIECES: &[&str] = &[
    "x", " ", "\n", "\r\n", "\r", "\t", "é", "中文", "😀", "(", ")", ":", "\"", "\"\"\"", "#", "'", "\0",
    "try:\n    pass\nexcept:\n    pass\n", "def f(a, b):\n    return a\n", "import requests\nrequests.get(u)\n",
    "    ", "if x:\n", "]", "{", "\\", "wb.close()\nwb.sheetnames\n", "CORS(app)\n", "from flask_cors import CORS\n",
];

fuzz_target!(|data: &[u8]| {
    let Some((&flags, mut rest)) = data.split_first() else { return };
    let enc = if flags & 1 == 0 { PositionEncoding::Utf16 } else { PositionEncoding::Utf8 };
    let batch = usize::from(flags >> 1 & 3) + 1;
    let mut ops = Vec::new();
    while rest.len() >= 4 && ops.len() < 64 {
        let start = usize::from(u16::from_le_bytes([rest[0], rest[1]]));
        let len = if rest[2] == 0xff { usize::MAX } else { usize::from(rest[2] % 16) };
        let pieces = usize::from(rest[3] % 4);
        rest = &rest[4..];
        let mut insert = String::new();
        for _ in 0..pieces {
            let Some((&i, tail)) = rest.split_first() else { break };
            insert.push_str(PIECES[usize::from(i) % PIECES.len()]);
            rest = tail;
        }
        ops.push(Op { start, len, insert });
    }
    if let Err(e) = run("import os\n\ndef main():\n    print('héllo 中文 😀')\n", &ops, batch, enc) {
        panic!("{e}");
    }
});
