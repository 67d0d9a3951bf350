//! Reading `requirements*.txt` lines: which name a line asks for, with which version specifier,
//! and where in the text it sits — without running pip.
//!
//! The grammar followed is pip's requirements-file format: `#` comments (at the start of a line or
//! after white space), `\` line continuations, option lines (`-r`, `-c`, `-e`, `--index-url`, …),
//! and PEP 508 requirements (`name[extras] specifier ; markers`, or `name @ url`).

use std::ops::Range;

/// How a requirement line fixes the version it installs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pinning {
    /// `==1.2.3` or `===1.2.3`: one version.
    Pinned,
    /// `name @ https://…` or a VCS URL with a revision: one artifact.
    DirectReference,
    /// No version at all.
    Unversioned,
    /// A range or wildcard (`>=1.0`, `~=1.2`, `<3`, `==1.*`): the written specifier.
    Range(String),
}

/// One requirement of a requirements file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    /// The name as written (`Flask`, `python_dateutil`).
    pub name: String,
    /// `[extras]` as written, brackets included, or empty.
    pub extras: String,
    pub pinning: Pinning,
    /// Byte range of `name[extras] specifier` (what a pin replaces), within the first line.
    pub spec_range: Range<usize>,
    /// Whether the whole specifier is on the first line (a pin can only replace it then).
    pub spec_in_first_line: bool,
    /// Zero-based line of the requirement's first character.
    pub line: usize,
    /// The comment on the line, if any (where `# preflight: ignore` lives).
    pub comment: Option<String>,
}

/// What a requirements file says: its requirements and the constraint files it names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequirementsFile {
    pub requirements: Vec<Requirement>,
    /// Paths given to `-c`/`--constraint`, as written.
    pub constraints: Vec<String>,
}

/// Parses the text of a requirements file. Never fails: lines it does not understand are skipped.
pub fn parse(text: &str) -> RequirementsFile {
    let mut out = RequirementsFile::default();
    for logical in logical_lines(text) {
        let Some(content) = content_of(text, &logical) else {
            continue;
        };
        if let Some(option) = content.joined.strip_prefix('-') {
            if let Some(path) = constraint_path(option) {
                out.constraints.push(path);
            }
            continue;
        }
        if let Some(req) = requirement(&content, logical.line) {
            out.requirements.push(req);
        }
    }
    out
}

/// One requirement line after joining `\` continuations: its physical pieces and first line.
struct Logical {
    /// Byte ranges of the pieces, continuation backslashes and line breaks removed.
    spans: Vec<Range<usize>>,
    line: usize,
}

fn logical_lines(text: &str) -> Vec<Logical> {
    let mut out = Vec::new();
    let mut current: Option<Logical> = None;
    let mut offset = 0;
    for (number, raw) in text.split_inclusive('\n').enumerate() {
        let start = offset;
        offset += raw.len();
        let content = raw.trim_end_matches(['\n', '\r']);
        let end = start + content.len();
        let (piece_end, continues) = match content.strip_suffix('\\') {
            Some(before) => (start + before.len(), true),
            None => (end, false),
        };
        let logical = current.get_or_insert_with(|| Logical {
            spans: Vec::new(),
            line: number,
        });
        logical.spans.push(start..piece_end);
        if !continues {
            out.extend(current.take());
        }
    }
    out.extend(current.take());
    out
}

/// The text of a logical line without its comment, pieces joined by a space, trimmed.
struct Content {
    joined: String,
    /// Where `joined` starts in the file, and how many of its bytes come from the first piece
    /// (only those can be mapped back to the file for a fix).
    start: usize,
    first_len: usize,
    comment: Option<String>,
}

/// A `#` starts a comment at the start of a line or after white space (pip's rule), so
/// `pkg @ https://host/x#egg=pkg` keeps its fragment.
fn comment_start(piece: &str) -> Option<usize> {
    let mut previous_is_space = true;
    for (i, c) in piece.char_indices() {
        if c == '#' && previous_is_space {
            return Some(i);
        }
        previous_is_space = c.is_whitespace();
    }
    None
}

fn content_of(text: &str, logical: &Logical) -> Option<Content> {
    let mut joined = String::new();
    let mut comment = None;
    let mut start = None;
    let mut first_len = 0;
    for (i, span) in logical.spans.iter().enumerate() {
        let piece = &text[span.clone()];
        let cut = comment_start(piece);
        let code = &piece[..cut.unwrap_or(piece.len())];
        if i == 0 {
            let leading = code.len() - code.trim_start().len();
            start = Some(span.start + leading);
            first_len = code.trim().len();
        }
        if !joined.is_empty() {
            joined.push(' ');
        }
        joined.push_str(if i == 0 { code.trim_start() } else { code });
        if let Some(c) = cut {
            comment = Some(piece[c..].trim_end().to_string());
            // A comment ends the logical line, continuation or not.
            break;
        }
    }
    let joined = joined.trim_end().to_string();
    if joined.is_empty() {
        return None;
    }
    Some(Content {
        first_len: first_len.min(joined.len()),
        joined,
        start: start?,
        comment,
    })
}

/// The file named by `-c FILE`, `-cFILE`, `--constraint FILE` or `--constraint=FILE`.
fn constraint_path(option: &str) -> Option<String> {
    let rest = if let Some(r) = option.strip_prefix("-constraint") {
        r.trim_start_matches('=')
    } else {
        option.strip_prefix('c')?
    };
    let path = rest.trim();
    (!path.is_empty()).then(|| path.to_string())
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
}

/// Parses `name[extras] spec ; markers --hash=…` from a logical line.
fn requirement(content: &Content, line: usize) -> Option<Requirement> {
    let body = content.joined.as_str();
    // Local paths and archives (`.`, `./pkg`, `/abs`, `pkg.whl`) are the project's own code.
    if !body.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return None;
    }
    let comment = content.comment.clone();
    let lower = body.to_ascii_lowercase();
    let vcs = ["git+", "hg+", "svn+", "bzr+"]
        .iter()
        .any(|p| lower.starts_with(p));
    if vcs || lower.starts_with("http://") || lower.starts_with("https://") {
        // A URL without `name @`: a VCS URL pins with `@revision` after the path.
        let name = body
            .split("#egg=")
            .nth(1)
            .map(|n| n.split(['&', ' ']).next().unwrap_or(n).to_string())
            .unwrap_or_default();
        let path_part = body.split('#').next().unwrap_or(body);
        let after_scheme = path_part.split("://").nth(1).unwrap_or("");
        let pinned = !vcs || after_scheme.contains('@');
        return Some(Requirement {
            name,
            extras: String::new(),
            pinning: if pinned {
                Pinning::DirectReference
            } else {
                Pinning::Unversioned
            },
            spec_range: content.start..content.start + content.first_len,
            spec_in_first_line: false,
            line,
            comment,
        });
    }
    let name_len = body.find(|c: char| !is_name_char(c)).unwrap_or(body.len());
    let name = &body[..name_len];
    if name.ends_with(".whl") || name.ends_with(".zip") || name.ends_with(".tar.gz") {
        return None;
    }
    let mut rest = &body[name_len..];
    let mut consumed = name_len;
    let after_ws = rest.trim_start();
    let mut extras = String::new();
    if after_ws.starts_with('[') {
        let close = after_ws.find(']')?;
        extras = after_ws[..=close].to_string();
        consumed += rest.len() - after_ws.len() + close + 1;
        rest = &after_ws[close + 1..];
    }
    // The specifier runs to the markers (`;`) or the first option (`--hash`).
    let spec_end = [rest.find(';'), rest.find(" --"), rest.find("\t--")]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(rest.len());
    let spec = rest[..spec_end].trim();
    let spec_len = consumed + rest[..spec_end].trim_end().len();
    let pinning = if let Some(url) = spec.strip_prefix('@') {
        if url.trim().is_empty() {
            return None;
        }
        Pinning::DirectReference
    } else {
        classify(spec)?
    };
    let spec_in_first_line = spec_len <= content.first_len;
    let mapped = spec_len.min(content.first_len);
    Some(Requirement {
        name: name.to_string(),
        extras,
        pinning,
        spec_range: content.start..content.start + mapped,
        spec_in_first_line,
        line,
        comment,
    })
}

/// Classifies a version specifier; `None` when it is not one (a malformed line).
fn classify(spec: &str) -> Option<Pinning> {
    let spec = spec.trim().trim_start_matches('(').trim_end_matches(')');
    if spec.is_empty() {
        return Some(Pinning::Unversioned);
    }
    let mut pinned = false;
    for clause in spec.split(',') {
        let clause = clause.trim();
        let op_len = clause
            .find(|c: char| !matches!(c, '=' | '<' | '>' | '!' | '~'))
            .unwrap_or(clause.len());
        let (op, version) = clause.split_at(op_len);
        let version = version.trim();
        if !matches!(op, "==" | "===" | "~=" | "!=" | "<=" | ">=" | "<" | ">") || version.is_empty()
        {
            return None;
        }
        if (op == "==" && !version.contains('*')) || op == "===" {
            pinned = true;
        }
    }
    Some(if pinned {
        Pinning::Pinned
    } else {
        Pinning::Range(spec.to_string())
    })
}

/// The PEP 503 normal form of a project name: lower case, runs of `-`, `_`, `.` as one `-`.
pub fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_separator = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_separator {
                out.push('-');
            }
            in_separator = true;
        } else {
            out.push(c.to_ascii_lowercase());
            in_separator = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(line: &str) -> Option<Requirement> {
        parse(line).requirements.into_iter().next()
    }

    #[test]
    fn classifies_pins_ranges_and_bare_names() {
        assert_eq!(one("flask==3.0.0").unwrap().pinning, Pinning::Pinned);
        assert_eq!(one("flask === 3.0.0").unwrap().pinning, Pinning::Pinned);
        assert_eq!(one("requests").unwrap().pinning, Pinning::Unversioned);
        assert_eq!(
            one("requests>=2.0").unwrap().pinning,
            Pinning::Range(">=2.0".into())
        );
        assert_eq!(
            one("django~=5.1").unwrap().pinning,
            Pinning::Range("~=5.1".into())
        );
        assert_eq!(
            one("numpy==1.*").unwrap().pinning,
            Pinning::Range("==1.*".into())
        );
        assert_eq!(
            one("a>=1,<2").unwrap().pinning,
            Pinning::Range(">=1,<2".into())
        );
        assert_eq!(one("a>=1,==1.5").unwrap().pinning, Pinning::Pinned);
    }

    #[test]
    fn extras_markers_hashes_and_comments_stay_out_of_the_spec() {
        let text = "uvicorn[standard] >= 0.30 ; python_version >= \"3.9\"  # server\n";
        let r = one(text).unwrap();
        assert_eq!(r.name, "uvicorn");
        assert_eq!(r.extras, "[standard]");
        assert_eq!(&text[r.spec_range.clone()], "uvicorn[standard] >= 0.30");
        assert_eq!(r.pinning, Pinning::Range(">= 0.30".into()));
        assert_eq!(r.comment.as_deref(), Some("# server"));
        let hashed = "flask==3.0.0 \\\n    --hash=sha256:abc\n";
        let r = one(hashed).unwrap();
        assert_eq!(r.pinning, Pinning::Pinned);
        assert_eq!(&hashed[r.spec_range], "flask==3.0.0");
    }

    #[test]
    fn options_urls_and_local_paths() {
        let text = "-r base.txt\n-c constraints.txt\n--constraint=more.txt\n-e .\n./libs/x\n\
                    pkg @ https://example.invalid/pkg-1.0.tar.gz#sha256=1\n\
                    git+https://example.invalid/x.git@v1.2#egg=x\n\
                    git+https://example.invalid/y.git#egg=y\n--index-url https://example.invalid\n";
        let parsed = parse(text);
        assert_eq!(parsed.constraints, ["constraints.txt", "more.txt"]);
        let kinds: Vec<(&str, &Pinning)> = parsed
            .requirements
            .iter()
            .map(|r| (r.name.as_str(), &r.pinning))
            .collect();
        assert_eq!(
            kinds,
            [
                ("pkg", &Pinning::DirectReference),
                ("x", &Pinning::DirectReference),
                ("y", &Pinning::Unversioned)
            ]
        );
    }

    #[test]
    fn lines_are_counted_across_continuations_and_garbage_is_skipped() {
        let text = "# top\n\nflask \\\n  >=3\nrequests\n\u{0}\u{1}binary\n==1.0\nx[broken\n";
        let parsed = parse(text);
        let lines: Vec<(String, usize)> = parsed
            .requirements
            .iter()
            .map(|r| (r.name.clone(), r.line))
            .collect();
        // `flask \` continues onto `>=3`; only the first piece is the spec, so flask is bare here.
        assert_eq!(lines[0], ("flask".to_string(), 2));
        assert_eq!(lines[1], ("requests".to_string(), 4));
        assert!(lines.iter().all(|(n, _)| n != "x"));
    }

    #[test]
    fn names_normalise_as_pep_503_says() {
        assert_eq!(normalize("Flask"), "flask");
        assert_eq!(normalize("python_dateutil"), "python-dateutil");
        assert_eq!(normalize("zope.interface"), "zope-interface");
        assert_eq!(normalize("a-_.b"), "a-b");
    }
}
