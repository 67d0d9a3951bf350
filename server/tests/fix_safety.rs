//! Fix safety: every fix Preflight offers, applied alone and all together (fix-all), to every file
//! of the corpus must leave a file that still compiles (`compile()` of the machine's `python3`)
//! whenever the original did.

#[path = "common/corpus.rs"]
mod corpus;

use std::fmt::Write as _;
use std::process::Command;

use preflight::analysis::{analyze_str, FileSettings};
use preflight::fix::apply::{apply_edits, fix_all, FixMode};

#[test]
fn every_fix_keeps_the_file_compiling() {
    let files = corpus::files(400);
    let dir = std::env::temp_dir().join(format!("preflight-fix-safety-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    // Lines of `original<TAB>variant<TAB>what`, read by the Python checker.
    let mut index = String::new();
    let (mut files_with_fixes, mut variants) = (0, 0);
    for (n, path) in files.iter().enumerate() {
        let Ok(source) = std::fs::read_to_string(path) else {
            continue;
        };
        let Ok(findings) = analyze_str(&source) else {
            continue;
        };
        let fixes: Vec<_> = findings
            .iter()
            .filter_map(|f| f.fix.as_ref().map(|x| (f.rule.code, x)))
            .collect();
        if fixes.is_empty() {
            continue;
        }
        files_with_fixes += 1;
        let original = dir.join(format!("{n}.py"));
        std::fs::write(&original, &source).unwrap();
        let mut add = |k: String, text: String, what: String| {
            let variant = dir.join(format!("{n}.{k}.py"));
            std::fs::write(&variant, text).unwrap();
            let _ = writeln!(
                index,
                "{}\t{}\t{} in {}",
                original.display(),
                variant.display(),
                what,
                path.display()
            );
            variants += 1;
        };
        for (k, (code, fix)) in fixes.iter().enumerate() {
            let text = apply_edits(&source, &fix.edits).expect("a fix's edits do not overlap");
            add(k.to_string(), text, format!("{code} fix `{}`", fix.title));
        }
        add(
            "all".into(),
            fix_all(&source, FixMode::All, &FileSettings::default(), |_| true).text,
            "fix-all (every fix)".into(),
        );
        add(
            "safe".into(),
            fix_all(&source, FixMode::SafeOnly, &FileSettings::default(), |_| {
                true
            })
            .text,
            "fix-all (safe fixes)".into(),
        );
    }
    let index_path = dir.join("index.tsv");
    std::fs::write(&index_path, &index).unwrap();
    let checker = r#"
import sys, warnings
warnings.simplefilter("ignore")
def compiles(path):
    try:
        compile(open(path, encoding="utf-8").read(), path, "exec", dont_inherit=True)
        return None
    except (SyntaxError, ValueError) as e:
        return f"{type(e).__name__}: {e}"
ok = {}
broken = 0
checked = 0
for line in open(sys.argv[1], encoding="utf-8"):
    original, variant, what = line.rstrip("\n").split("\t")
    if original not in ok:
        ok[original] = compiles(original) is None
    if not ok[original]:
        continue
    checked += 1
    error = compiles(variant)
    if error:
        broken += 1
        print(f"BROKEN {what}: {error}")
print(f"checked {checked} fixed files")
sys.exit(1 if broken else 0)
"#;
    let out = Command::new("python3")
        .arg("-c")
        .arg(checker)
        .arg(&index_path)
        .output()
        .expect("run python3");
    let report = String::from_utf8_lossy(&out.stdout);
    eprintln!(
        "{} files, {files_with_fixes} with fixes, {variants} fixed variants; {}",
        files.len(),
        report.lines().last().unwrap_or("")
    );
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        out.status.success(),
        "fixes that break compiling code:\n{report}{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
