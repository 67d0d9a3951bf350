//! The typing session of `bench/lsp_latency.py`, replayed in process: where each keystroke's time
//! goes before anything is written to the client.
//!
//! Run with `cargo bench -p preflight --bench session` after `python3 bench/files.py` (it reads
//! `bench/out/large_20k.py` and its `.session.json`; `PREFLIGHT_BENCH_SESSION=small_2k` for the
//! other file). Per edit, as the server does it: apply the change to rope and tree (with the
//! incremental reparse and the changed ranges), let the analysis cache follow it, take the text,
//! analyse. Prints percentiles per phase, overall and by action, and how many edits took the full
//! path. A scripted run, not criterion: the interest is the distribution over a realistic session,
//! not one repeated edit.

use std::time::{Duration, Instant};

use preflight::analysis::incremental::{self, Cache};
use preflight::analysis::FileSettings;
use preflight::text::{Document, LineCol, PositionEncoding, TextChange};

/// One edit's timings.
struct Sample {
    kind: String,
    apply: Duration,
    analyse: Duration,
    incremental: bool,
    full_reason: Option<&'static str>,
}

fn percentile(values: &mut [Duration], p: f64) -> Duration {
    values.sort();
    let index = ((values.len() as f64 * p) as usize).min(values.len().saturating_sub(1));
    values.get(index).copied().unwrap_or_default()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn summary(label: &str, samples: &[&Sample]) {
    let mut apply: Vec<Duration> = samples.iter().map(|s| s.apply).collect();
    let mut analyse: Vec<Duration> = samples.iter().map(|s| s.analyse).collect();
    let mut total: Vec<Duration> = samples.iter().map(|s| s.apply + s.analyse).collect();
    let full = samples.iter().filter(|s| !s.incremental).count();
    println!(
        "{label:<16} {:>4} edits  apply p50 {:>6.2}  analyse p50 {:>6.2}  total p50 {:>6.2} p95 {:>7.2} p99 {:>7.2} max {:>7.2}  full path {full}",
        samples.len(),
        ms(percentile(&mut apply, 0.5)),
        ms(percentile(&mut analyse, 0.5)),
        ms(percentile(&mut total, 0.5)),
        ms(percentile(&mut total, 0.95)),
        ms(percentile(&mut total, 0.99)),
        ms(percentile(&mut total, 1.0)),
    );
}

fn position(value: &serde_json::Value) -> Option<LineCol> {
    Some(LineCol {
        line: u32::try_from(value.get("line")?.as_u64()?).ok()?,
        col: u32::try_from(value.get("character")?.as_u64()?).ok()?,
    })
}

fn main() {
    let name = std::env::var("PREFLIGHT_BENCH_SESSION").unwrap_or_else(|_| "large_20k".into());
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../bench/out");
    let (Ok(source), Ok(session)) = (
        std::fs::read_to_string(format!("{dir}/{name}.py")),
        std::fs::read_to_string(format!("{dir}/{name}.session.json")),
    ) else {
        eprintln!("session bench: {dir}/{name}.py and its session are missing (run python3 bench/files.py); nothing measured");
        return;
    };
    let session: serde_json::Value = serde_json::from_str(&session).expect("session is JSON");
    let edits = session
        .get("edits")
        .and_then(|e| e.as_array())
        .expect("session has edits");
    let settings = FileSettings::default();

    let mut doc = Document::new(1, &source);
    let text = doc.text();
    let (_, mut cache): (_, Option<Cache>) =
        incremental::analyze(&text, doc.tree().expect("parses"), &settings, None, None);
    let mut samples = Vec::new();
    for (i, edit) in edits.iter().enumerate() {
        let range = edit.get("range").expect("edit has a range");
        let change = TextChange {
            range: Some((
                position(&range["start"]).expect("start"),
                position(&range["end"]).expect("end"),
            )),
            text: edit["text"].as_str().unwrap_or_default().to_string(),
        };
        let started = Instant::now();
        let applied = doc
            .apply_changes(i as i32 + 2, &[change], PositionEncoding::Utf16)
            .expect("edit applies");
        if let Some(c) = cache.as_mut() {
            if !c.follow(&applied) {
                cache = None;
            }
        }
        let apply = started.elapsed();
        let started = Instant::now();
        let text = doc.text();
        let (analysis, next) = incremental::analyze(
            &text,
            doc.tree().expect("parses"),
            &settings,
            None,
            cache.as_ref(),
        );
        cache = next;
        if let Some(verbose) = std::env::var_os("PREFLIGHT_BENCH_VERBOSE") {
            let analyse = started.elapsed();
            if verbose == "all" {
                println!(
                    "edit {i} {} {:?} at {}: apply {:.2} ms, analyse {:.2} ms",
                    edit["kind"],
                    edit["text"],
                    range["start"],
                    ms(apply),
                    ms(analyse)
                );
            } else if let Some(reason) = analysis.full_reason {
                println!(
                    "edit {i} {:?} at {}: full path, {reason}",
                    edit["text"], range["start"]
                );
            } else if apply + analyse > Duration::from_millis(20) {
                println!(
                    "edit {i} {:?} at {}: incremental, apply {:.1} ms, analyse {:.1} ms",
                    edit["text"],
                    range["start"],
                    ms(apply),
                    ms(analyse)
                );
            }
        }
        samples.push(Sample {
            kind: edit["kind"]
                .as_str()
                .unwrap_or("?")
                .split('/')
                .next()
                .unwrap_or("?")
                .to_string(),
            apply,
            analyse: started.elapsed(),
            incremental: analysis.incremental,
            full_reason: analysis.full_reason,
        });
    }
    println!(
        "session bench: {name} ({} lines), {} edits, times in ms",
        source.lines().count(),
        samples.len()
    );
    summary("all", &samples.iter().collect::<Vec<_>>());
    let mut kinds: Vec<&str> = samples.iter().map(|s| s.kind.as_str()).collect();
    kinds.sort();
    kinds.dedup();
    for kind in kinds {
        summary(
            kind,
            &samples
                .iter()
                .filter(|s| s.kind == kind)
                .collect::<Vec<_>>(),
        );
    }
    let mut reasons: Vec<&str> = samples.iter().filter_map(|s| s.full_reason).collect();
    reasons.sort();
    let mut counted: Vec<(usize, &str)> = Vec::new();
    for reason in reasons {
        match counted.last_mut() {
            Some((n, r)) if *r == reason => *n += 1,
            _ => counted.push((1, reason)),
        }
    }
    for (n, reason) in counted {
        println!("full path: {n:>4} × {reason}");
    }
}
