//! PF308 unsanitized-upload-filename: a client-chosen file name used as a path.

use std::collections::HashSet;
use std::sync::LazyLock;

use tree_sitter::Node;

use super::RuleMeta;
use crate::analysis::kinds::Field;
use crate::analysis::scope::{enclosing_function, walk_same_scope};
use crate::analysis::semantic::Needles;
use crate::analysis::{Context, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    code: "PF308",
    name: "unsanitized-upload-filename",
    category: "security",
    severity: Severity::Error,
    summary: "An uploaded file's name is used as a path without `secure_filename`",
    fixable: false,
    twins: &[],
    doc: r#"## What it does
Finds the client-supplied name of an uploaded file — Flask `request.files[...]`/`.get()`/
`.getlist()` items' `.filename`, Django `request.FILES[...]` items' `.name`, FastAPI `UploadFile`
parameters' `.filename` — reaching `.save(...)`, `open(...)`, `os.path.join(...)`,
`pathlib.Path(...)` or a `/` path join, directly or through a variable, without passing through
`secure_filename(...)` (or `os.path.basename`).

## Why is this bad?
The file name is whatever the client sends: `../../app/config.py` or `/etc/cron.d/job`. Used as a
path, it lets anyone overwrite application files, templates or SSH keys on the server (path
traversal, CWE-22), which often ends in remote code execution.

## Example
```python
file = request.files["avatar"]
file.save(os.path.join(UPLOAD_DIR, file.filename))
```

## Use instead
```python
from werkzeug.utils import secure_filename

file = request.files["avatar"]
file.save(os.path.join(UPLOAD_DIR, secure_filename(file.filename)))
```
Better: store under a generated name (`uuid4().hex`) and keep the original name as data.

## Fix
None: whether to sanitise or to generate names is your choice.

## Related
CWE-22, semgrep's `flask-path-traversal` rules."#,
};

/// Functions that make a client name safe to use as a path component.
const SANITIZERS: &[&str] = &["secure_filename", "basename", "get_valid_filename", "uuid4"];

/// Calls that take a path.
fn is_path_sink(ctx: &Context, call: Node) -> bool {
    let Some(function) = call.field("function") else {
        return false;
    };
    let text = ctx.text(function);
    let last = text.rsplit('.').next().unwrap_or(text);
    matches!(last, "save" | "joinpath")
        || text == "open"
        || ctx.resolve(function).is_some_and(|q| {
            matches!(
                q.as_str(),
                "os.path.join" | "pathlib.Path" | "shutil.copy" | "shutil.move" | "os.rename"
            )
        })
}

/// Whether `node` is `request.files[...]`, `request.files.get(...)`, `request.FILES[...]`, ….
/// Text every upload source contains.
static UPLOAD_NAMES: LazyLock<Needles> =
    LazyLock::new(|| Needles::new(&["request.files", "request.FILES", "UploadFile"]));

fn is_upload_source(ctx: &Context, node: Node) -> bool {
    let text = ctx.text(node);
    (text.starts_with("request.files") || text.starts_with("request.FILES"))
        && matches!(node.kind(), "subscript" | "call")
}

/// Checks one file.
pub fn check(ctx: &Context, meta: &'static RuleMeta, out: &mut Vec<Finding>) {
    if !ctx.web().imports_framework {
        return;
    }
    ctx.walk(&["function_definition"], |function| {
        let Some(body) = function.field("body") else {
            return;
        };
        // Uploads come from `request.files`/`request.FILES` in the body or an `UploadFile`
        // parameter; a function whose text names neither has none, and is not walked.
        if !UPLOAD_NAMES.any_in(ctx.text(function)) {
            return;
        }
        // Names bound to uploaded files, then names bound to their client-chosen names.
        let mut files: HashSet<&str> = HashSet::new();
        if let Some(params) = function.field("parameters") {
            let mut cursor = params.walk();
            for p in params.named_children(&mut cursor) {
                if p.kind() == "typed_parameter"
                    && p.field("type")
                        .is_some_and(|t| ctx.text(t).contains("UploadFile"))
                {
                    if let Some(name) = p.named_child(0).filter(|n| n.kind() == "identifier") {
                        files.insert(ctx.text(name));
                    }
                }
            }
        }
        walk_same_scope(body, &mut |n| match n.kind() {
            "assignment" => {
                if let (Some(left), Some(right)) = (n.field("left"), n.field("right")) {
                    if left.kind() == "identifier" && is_upload_source(ctx, right) {
                        files.insert(ctx.text(left));
                    }
                }
            }
            "for_statement" => {
                if let (Some(left), Some(right)) = (n.field("left"), n.field("right")) {
                    if left.kind() == "identifier" && is_upload_source(ctx, right) {
                        files.insert(ctx.text(left));
                    }
                }
            }
            _ => {}
        });
        if files.is_empty() {
            return;
        }
        let is_client_name = |n: Node| {
            n.kind() == "attribute"
                && n.field("object")
                    .is_some_and(|o| o.kind() == "identifier" && files.contains(ctx.text(o)))
                && n.field("attribute")
                    .is_some_and(|a| matches!(ctx.text(a), "filename" | "name"))
        };
        let mut names: HashSet<&str> = HashSet::new();
        walk_same_scope(body, &mut |n| {
            if n.kind() != "assignment" {
                return;
            }
            if let (Some(left), Some(right)) = (n.field("left"), n.field("right")) {
                if left.kind() == "identifier" && is_client_name(right) {
                    names.insert(ctx.text(left));
                }
            }
        });
        walk_same_scope(body, &mut |n| {
            let tainted = is_client_name(n)
                || (n.kind() == "identifier"
                    && names.contains(ctx.text(n))
                    && n.parent().is_some_and(|p| {
                        p.field("left") != Some(n) || p.kind() == "binary_operator"
                    }));
            if !tainted || enclosing_function(n) != Some(function) {
                return;
            }
            // Walk up to the statement: a sanitiser on the way clears it, a path sink reports it.
            let mut current = n.parent();
            while let Some(p) = current {
                match p.kind() {
                    "call" => {
                        let callee = p.field("function").map(|f| ctx.text(f)).unwrap_or("");
                        let last = callee.rsplit('.').next().unwrap_or(callee);
                        if SANITIZERS.contains(&last) {
                            return;
                        }
                        if is_path_sink(ctx, p) {
                            break;
                        }
                    }
                    "binary_operator"
                        if p.field("operator").is_some_and(|o| ctx.text(o) == "/") =>
                    {
                        break;
                    }
                    "block" | "expression_statement" | "assignment" | "return_statement" => return,
                    _ => {}
                }
                current = p.parent();
            }
            if current.is_none() {
                return;
            }
            out.push(Finding::new(
                meta,
                n.byte_range(),
                "The client chooses this file name: used as a path it can write anywhere \
                 (`../../app.py`). Pass it through `secure_filename()` or generate the name",
                None,
            ));
        });
    });
}
