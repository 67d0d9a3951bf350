//! Micro-benchmarks of the engine on a 20,000-line module: parse, edit + reparse, full analysis,
//! incremental analysis after a keystroke, each rule on its own, and fix-all.
//!
//! Run with `cargo bench -p preflight --bench engine` (add `-- <filter>` for one group); figures go
//! to BENCHMARKS.md. The module is real code: `bench/out/large_20k.py`, which `bench/files.py`
//! builds from the corpus (or the file named by `PREFLIGHT_BENCH_FILE`). Without it, a synthetic
//! module shaped like service code stands in, and the run says so.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use preflight::analysis::facts::collect_all;
use preflight::analysis::incremental::{self, Cache};
use preflight::analysis::units::units;
use preflight::analysis::{Context, FileSettings};
use preflight::fix::apply::{fix_all, FixMode};
use preflight::parse::ModuleTree;
use preflight::rules::registry;
use preflight::text::document::Applied;
use preflight::text::{Document, LineCol, PositionEncoding, TextChange};

/// A module of about `lines` lines.
fn module(lines: usize) -> String {
    let mut out = String::from(
        "\"\"\"Orders service — café 中文 😀.\"\"\"\nimport logging\nimport subprocess\n\nimport requests\nfrom flask import Flask, jsonify\n\napp = Flask(__name__)\napp.config[\"MAX_CONTENT_LENGTH\"] = 1024\nlogger = logging.getLogger(__name__)\n",
    );
    let mut i = 0;
    while out.lines().count() < lines {
        out.push_str(&format!(
            r#"

@app.route("/orders/{i}")
def order_{i}(order_id):
    try:
        data = requests.get(f"http://inventory/{{order_id}}", timeout=5).json()
    except ValueError:
        logger.exception("bad json")
        return jsonify(error="bad json"), 502
    return jsonify(data)


def sync_{i}(rows, cur):
    for row in rows:
        try:
            requests.post("http://ledger", json=row)
        except:
            pass
    cur.execute("SELECT * FROM orders WHERE id = %s", (rows[0],))
    subprocess.run(["echo", "done"], check=True)


class Worker{i}:
    """Handles café orders — 中文 😀."""

    def __init__(self, url):
        self.url = url

    def fetch(self, url):
        try:
            return requests.get(url, timeout=5).json()
        except ValueError:
            logger.exception("bad json")
            return None

    def store(self, rows):
        total = 0
        for row in rows:
            if row.get("amount"):
                total += row["amount"]
        return total

    def close(self):
        try:
            self.flush()
        except Exception:
            logger.error("flush failed")
"#
        ));
        i += 1;
    }
    out
}

/// One keystroke inside a method in the middle of the file: type `x` or delete it again, so the
/// file keeps its size over the iterations.
struct Typist {
    doc: Document,
    line: u32,
    typed: bool,
    version: i32,
}

impl Typist {
    /// Types just after `return ` in a method after the middle of the file (an identifier grows
    /// by one letter and shrinks again: valid Python at every step).
    fn new(source: &str) -> Typist {
        let half = source.len() / 2;
        let line = source[half..]
            .find("\n        return ")
            .map(|b| source[..half + b + 1].matches('\n').count())
            .unwrap_or(0) as u32;
        Typist {
            doc: Document::new(1, source),
            line,
            typed: false,
            version: 1,
        }
    }

    fn keystroke(&mut self) -> Applied {
        self.version += 1;
        let at = LineCol {
            line: self.line,
            col: 15,
        };
        let change = if self.typed {
            let after = LineCol {
                line: self.line,
                col: 16,
            };
            TextChange {
                range: Some((at, after)),
                text: String::new(),
            }
        } else {
            TextChange {
                range: Some((at, at)),
                text: "x".into(),
            }
        };
        self.typed = !self.typed;
        self.doc
            .apply_changes(self.version, &[change], PositionEncoding::Utf16)
            .expect("edit applies")
    }
}

/// The real 20,000-line module if it was built, else the synthetic one.
fn source() -> String {
    let path = std::env::var("PREFLIGHT_BENCH_FILE").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../bench/out/large_20k.py").to_string()
    });
    match std::fs::read_to_string(&path) {
        Ok(s) => {
            eprintln!("engine bench: {path} ({} lines)", s.lines().count());
            s
        }
        Err(_) => {
            eprintln!(
                "engine bench: {path} not found (run bench/files.py); using a synthetic module"
            );
            module(20_000)
        }
    }
}

fn bench(c: &mut Criterion) {
    let source = source();
    let settings = FileSettings::default();
    let tree = ModuleTree::parse(&source, None).unwrap();

    c.bench_function("parse/20k lines", |b| {
        b.iter(|| ModuleTree::parse(black_box(&source), None).unwrap())
    });

    let mut typist = Typist::new(&source);
    c.bench_function("edit+reparse/20k lines", |b| b.iter(|| typist.keystroke()));

    c.bench_function("analysis/full/20k lines", |b| {
        b.iter(|| incremental::analyze(&source, &tree, &settings, None, None))
    });

    // A keystroke as the server handles it: the edit reaches rope, tree and cache, then the
    // incremental analysis of the new version.
    let mut typist = Typist::new(&source);
    let text = typist.doc.text();
    let (_, first) = incremental::analyze(&text, typist.doc.tree().unwrap(), &settings, None, None);
    let mut cache: Option<Cache> = first;
    c.bench_function(
        "keystroke/20k lines (edit+reparse+incremental analysis)",
        |b| {
            b.iter(|| {
                let applied = typist.keystroke();
                if let Some(c) = cache.as_mut() {
                    if !c.follow(&applied) {
                        cache = None;
                    }
                }
                let text = typist.doc.text();
                let (analysis, next) = incremental::analyze(
                    &text,
                    typist.doc.tree().unwrap(),
                    &settings,
                    None,
                    cache.as_ref(),
                );
                assert!(analysis.incremental, "the keystroke took the full path");
                cache = next;
            })
        },
    );

    let all_units = units(tree.roots());
    c.bench_function("analysis/facts/20k lines", |b| {
        b.iter(|| collect_all(&all_units, &source))
    });
    let (_, facts) = collect_all(&all_units, &source);
    let mut group = c.benchmark_group("rule/20k lines");
    for rule in registry().rules() {
        group.bench_function(format!("{} {}", rule.meta.code, rule.meta.name), |b| {
            b.iter(|| {
                let ctx = Context::with_facts(&source, &tree, &settings, &facts, None);
                let mut out = Vec::new();
                rule.check(&ctx, &mut out);
                out
            })
        });
    }
    group.finish();

    // Fix-all re-analyses between rounds; a 2,000-line file keeps the run short.
    let small = module(2_000);
    c.bench_function("fix-all/2k lines", |b| {
        b.iter_batched(
            || small.clone(),
            |s| fix_all(&s, FixMode::SafeOnly, &settings, |_| true),
            BatchSize::SmallInput,
        )
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
