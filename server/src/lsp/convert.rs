//! Conversions between Preflight's plain values (byte offsets, findings, fixes) and protocol types.

use std::collections::HashMap;

use ropey::Rope;
use tower_lsp_server::ls_types::{
    CodeAction, CodeActionKind, CodeDescription, Diagnostic, DiagnosticSeverity, NumberOrString,
    Position, Range, TextEdit, Uri, WorkspaceEdit,
};

use crate::analysis::{Edit, Finding, Fix, Safety, Severity};
use crate::text::position::{self, LineCol, PositionEncoding};

/// The code-action kind of "apply every safe Preflight fix".
pub const FIX_ALL_KIND: &str = "source.fixAll.preflight";

/// A protocol position from a byte offset.
pub fn to_position(rope: &Rope, byte: usize, enc: PositionEncoding) -> Position {
    let lc = position::to_line_col(rope, byte, enc);
    Position {
        line: lc.line,
        character: lc.col,
    }
}

/// A protocol range from a byte range.
pub fn to_range(rope: &Rope, range: &std::ops::Range<usize>, enc: PositionEncoding) -> Range {
    Range {
        start: to_position(rope, range.start, enc),
        end: to_position(rope, range.end, enc),
    }
}

/// A position as the text layer takes it.
pub fn from_position(p: Position) -> LineCol {
    LineCol {
        line: p.line,
        col: p.character,
    }
}

fn severity(s: Severity) -> DiagnosticSeverity {
    match s {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Info => DiagnosticSeverity::INFORMATION,
        Severity::Hint => DiagnosticSeverity::HINT,
    }
}

/// Where a rule's documentation lives: `preflight://rules/<code>`, which the VS Code extension
/// serves from `preflight explain`.
fn docs_uri(code: &str) -> Option<Uri> {
    format!("preflight://rules/{code}").parse().ok()
}

/// A finding as a diagnostic.
pub fn to_diagnostic(rope: &Rope, f: &Finding, enc: PositionEncoding) -> Diagnostic {
    Diagnostic {
        range: to_range(rope, &f.range, enc),
        severity: Some(severity(f.severity)),
        code: Some(NumberOrString::String(f.rule.code.to_string())),
        code_description: docs_uri(f.rule.code).map(|href| CodeDescription { href }),
        source: Some("preflight".to_string()),
        message: f.message.clone(),
        ..Diagnostic::default()
    }
}

/// An information diagnostic at the top of the file, for what Preflight says about the file itself
/// (skipped as too large, analysis cut short).
pub fn notice(message: &str) -> Diagnostic {
    Diagnostic {
        range: Range::default(),
        severity: Some(DiagnosticSeverity::INFORMATION),
        source: Some("preflight".to_string()),
        message: message.to_string(),
        ..Diagnostic::default()
    }
}

/// A configuration problem as an error diagnostic on the configuration file.
pub fn config_error(
    rope: &Rope,
    e: &crate::config::ConfigError,
    enc: PositionEncoding,
) -> Diagnostic {
    let range = e
        .span
        .as_ref()
        .map(|s| to_range(rope, s, enc))
        .unwrap_or_default();
    Diagnostic {
        range,
        severity: Some(DiagnosticSeverity::ERROR),
        source: Some("preflight".to_string()),
        message: e.message.clone(),
        ..Diagnostic::default()
    }
}

/// The file a `file:` URI names (percent-decoded); `None` for other schemes.
pub fn uri_to_path(uri: &Uri) -> Option<std::path::PathBuf> {
    let rest = uri.as_str().strip_prefix("file://")?;
    let bytes = rest.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(std::str::from_utf8(&bytes[i + 1..i + 3]).ok()?, 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    let path = String::from_utf8(out).ok()?;
    // `file:///C:/x` on Windows; on Unix the path starts at the third slash.
    Some(std::path::PathBuf::from(path))
}

/// Edits as protocol text edits.
pub fn to_text_edits(rope: &Rope, edits: &[Edit], enc: PositionEncoding) -> Vec<TextEdit> {
    edits
        .iter()
        .map(|e| TextEdit {
            range: to_range(rope, &e.range, enc),
            new_text: e.new_text.clone(),
        })
        .collect()
}

fn workspace_edit(uri: &Uri, edits: Vec<TextEdit>) -> WorkspaceEdit {
    let mut changes = HashMap::new();
    changes.insert(uri.clone(), edits);
    WorkspaceEdit {
        changes: Some(changes),
        ..WorkspaceEdit::default()
    }
}

/// A quick fix for one finding.
pub fn to_quick_fix(
    uri: &Uri,
    rope: &Rope,
    f: &Finding,
    fix: &Fix,
    enc: PositionEncoding,
) -> CodeAction {
    CodeAction {
        title: format!("{} ({})", fix.title, f.rule.code),
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![to_diagnostic(rope, f, enc)]),
        edit: Some(workspace_edit(uri, to_text_edits(rope, &fix.edits, enc))),
        is_preferred: Some(fix.safety == Safety::Safe),
        ..CodeAction::default()
    }
}

/// The "Ignore PF### on this line" action.
pub fn to_ignore(
    uri: &Uri,
    rope: &Rope,
    f: &Finding,
    edit: &Edit,
    enc: PositionEncoding,
) -> CodeAction {
    CodeAction {
        title: format!("Ignore {} on this line", f.rule.code),
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![to_diagnostic(rope, f, enc)]),
        edit: Some(workspace_edit(
            uri,
            to_text_edits(rope, std::slice::from_ref(edit), enc),
        )),
        ..CodeAction::default()
    }
}

/// The smallest single edit that turns `old` into `new`: the differing middle, after the common
/// prefix and suffix (kept on character boundaries).
pub fn minimal_edit(old: &str, new: &str) -> Edit {
    let mut prefix = old
        .bytes()
        .zip(new.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    while !old.is_char_boundary(prefix) || !new.is_char_boundary(prefix) {
        prefix -= 1;
    }
    let max_suffix = old.len().min(new.len()) - prefix;
    let mut suffix = old
        .bytes()
        .rev()
        .zip(new.bytes().rev())
        .take(max_suffix)
        .take_while(|(a, b)| a == b)
        .count();
    while !old.is_char_boundary(old.len() - suffix) || !new.is_char_boundary(new.len() - suffix) {
        suffix -= 1;
    }
    Edit::replace(prefix..old.len() - suffix, &new[prefix..new.len() - suffix])
}

/// The fix-all action: one edit from the current text to the fully fixed text.
pub fn to_fix_all(
    uri: &Uri,
    rope: &Rope,
    old: &str,
    new: &str,
    applied: usize,
    enc: PositionEncoding,
) -> CodeAction {
    let edit = minimal_edit(old, new);
    CodeAction {
        title: fix_all_title(applied),
        kind: Some(CodeActionKind::new(FIX_ALL_KIND)),
        edit: Some(workspace_edit(uri, to_text_edits(rope, &[edit], enc))),
        ..CodeAction::default()
    }
}

fn fix_all_title(fixes: usize) -> String {
    format!("Preflight: fix all safe problems ({fixes})")
}

/// The fix-all action without its edit, for `codeAction/resolve` to fill in: it names the
/// document and the version it was offered for, and counts the safe fixes found there.
pub fn fix_all_unresolved(uri: &Uri, version: i32, fixes: usize) -> CodeAction {
    CodeAction {
        title: fix_all_title(fixes),
        kind: Some(CodeActionKind::new(FIX_ALL_KIND)),
        data: Some(serde_json::json!({"fixAll": {"uri": uri.as_str(), "version": version}})),
        ..CodeAction::default()
    }
}

/// The document and version an unresolved fix-all action was offered for.
pub fn fix_all_target(action: &CodeAction) -> Option<(Uri, i32)> {
    if action.edit.is_some() {
        return None;
    }
    let target = action.data.as_ref()?.get("fixAll")?;
    let uri = target.get("uri")?.as_str()?.parse().ok()?;
    let version = i32::try_from(target.get("version")?.as_i64()?).ok()?;
    Some((uri, version))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal_edit_covers_only_the_change() {
        let e = minimal_edit("a = 1\nb = 2\n", "a = 1\nimport x\nb = 2\n");
        assert_eq!(e, Edit::insert(6, "import x\n"));
        let e = minimal_edit("x = 'é'", "x = 'è'");
        assert_eq!(
            crate::fix::apply::apply_edits("x = 'é'", &[e]).unwrap(),
            "x = 'è'"
        );
        assert_eq!(minimal_edit("same", "same"), Edit::insert(4, ""));
    }
}
