//! What one keystroke costs on a large file: edit + incremental reparse + analysis with every rule.
//! Run with `cargo bench -p preflight --bench keystroke`; figures go to BENCHMARKS.md.

use criterion::{criterion_group, criterion_main, Criterion};
use preflight::analysis::analyze;
use preflight::parse::parse_str;
use preflight::text::{Document, LineCol, PositionEncoding, TextChange};

/// A realistic module of about `lines` lines: handlers, HTTP calls, try/except, classes.
fn synthetic_module(lines: usize) -> String {
    let mut out = String::from("\"\"\"Synthetic service module.\"\"\"\nimport logging\nimport requests\n\nlogger = logging.getLogger(__name__)\n\n");
    let mut i = 0;
    while out.lines().count() < lines {
        out.push_str(&format!(
            "\n\nclass Handler{i}:\n    \"\"\"Handles café orders — 中文 😀.\"\"\"\n\n    def fetch(self, url):\n        try:\n            return requests.get(url, timeout=5).json()\n        except ValueError:\n            logger.exception(\"bad json\")\n            return None\n\n    def store(self, rows):\n        total = 0\n        for row in rows:\n            if row.get(\"amount\"):\n                total += row[\"amount\"]\n        return total\n"
        ));
        i += 1;
    }
    out
}

fn bench(c: &mut Criterion) {
    let source = synthetic_module(10_000);
    let middle_line = (source.lines().count() / 2) as u32;
    c.bench_function("parse 10k lines", |b| {
        b.iter(|| parse_str(&source).unwrap())
    });
    let tree = parse_str(&source).unwrap();
    c.bench_function("analyze 10k lines (all rules)", |b| {
        b.iter(|| analyze(&source, &tree))
    });

    let mut doc = Document::new(1, &source);
    let mut version = 1;
    let mut typed = false;
    c.bench_function("keystroke on 10k lines (edit + reparse + analyze)", |b| {
        b.iter(|| {
            // Alternate typing and deleting one character so the file stays the same size.
            version += 1;
            let at = LineCol {
                line: middle_line,
                col: 0,
            };
            let change = if typed {
                TextChange {
                    range: Some((
                        at,
                        LineCol {
                            line: middle_line,
                            col: 1,
                        },
                    )),
                    text: String::new(),
                }
            } else {
                TextChange {
                    range: Some((at, at)),
                    text: "#".into(),
                }
            };
            typed = !typed;
            doc.apply_changes(version, &[change], PositionEncoding::Utf16)
                .unwrap();
            let text = doc.text();
            analyze(&text, doc.tree().unwrap())
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = bench
}
criterion_main!(benches);
