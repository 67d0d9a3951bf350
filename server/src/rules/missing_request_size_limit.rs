//! PF306 missing-request-size-limit: a Flask app that accepts request bodies of any size.

use super::RuleMeta;
use crate::analysis::kinds::Field;
use crate::analysis::web::FLASK_APPS;
use crate::analysis::{Context, Finding, Fix, Safety, Severity};
use crate::fix::imports::{indentation_at, line_end};

pub static META: RuleMeta = RuleMeta {
    code: "PF306",
    name: "missing-request-size-limit",
    category: "configuration",
    severity: Severity::Info,
    summary: "The Flask app sets no limit on request size",
    fixable: true,
    twins: &[],
    doc: r#"## What it does
Finds `Flask(...)` applications created in a module that never mentions `MAX_CONTENT_LENGTH` and
loads no configuration from elsewhere (`app.config.from_object`, `from_pyfile`, `from_envvar`,
`from_mapping`, `from_prefixed_env`, `from_file`). Information level: the limit may be set by the
reverse proxy, which this rule cannot see.

## Why is this bad?
Without a limit, Flask reads any request body into memory or a temporary file. One client sending
a multi-gigabyte upload — or many sending large ones — exhausts memory or disk and takes the
worker down for everyone.

## Example
```python
app = Flask(__name__)
```

## Use instead
```python
app = Flask(__name__)
app.config["MAX_CONTENT_LENGTH"] = 16 * 1024 * 1024  # 16 MiB
```

## Fix
Adds `app.config["MAX_CONTENT_LENGTH"] = 16 * 1024 * 1024` after the line that creates the app.
Unsafe: larger uploads are now refused with 413; adjust the number to the largest legitimate body.

## Related
Django's `DATA_UPLOAD_MAX_MEMORY_SIZE` (on by default), nginx `client_max_body_size`."#,
};

/// Checks one file.
pub fn check(ctx: &Context, meta: &'static RuleMeta, out: &mut Vec<Finding>) {
    if ctx.mentions("MAX_CONTENT_LENGTH") || ctx.mentions(".config.from_") {
        return;
    }
    ctx.walk(&["assignment"], |assignment| {
        let (Some(left), Some(right)) = (assignment.field("left"), assignment.field("right"))
        else {
            return;
        };
        let creates_app = left.kind() == "identifier"
            && right.kind() == "call"
            && right
                .field("function")
                .and_then(|f| ctx.resolve(f))
                .is_some_and(|q| q == FLASK_APPS[0]);
        if !creates_app {
            return;
        }
        let statement = assignment.parent().unwrap_or(assignment);
        let at = line_end(ctx.source, statement.end_byte());
        let indent = indentation_at(ctx.source, statement.start_byte());
        let newline = if at == ctx.source.len() && !ctx.source.ends_with('\n') {
            "\n"
        } else {
            ""
        };
        let line = format!(
            "{newline}{indent}{}.config[\"MAX_CONTENT_LENGTH\"] = 16 * 1024 * 1024\n",
            ctx.text(left)
        );
        out.push(Finding::new(
            meta,
            right.byte_range(),
            "This Flask app accepts request bodies of any size: one large upload can exhaust the \
             worker's memory or disk. Set `MAX_CONTENT_LENGTH`",
            Some(Fix::new(
                "Limit request bodies to 16 MiB",
                Safety::Unsafe,
                vec![crate::analysis::Edit::insert(at, line)],
            )),
        ));
    });
}

#[cfg(test)]
mod tests {
    use crate::analysis::analyze_str;

    fn codes(src: &str) -> Vec<&'static str> {
        analyze_str(src)
            .unwrap()
            .iter()
            .map(|f| f.rule.code)
            .filter(|c| *c == "PF306")
            .collect()
    }

    #[test]
    fn configuration_loaded_from_elsewhere_silences_it() {
        assert_eq!(
            codes("import flask\napp = flask.Flask(__name__)\n"),
            ["PF306"]
        );
        assert!(codes(
            "import flask\napp = flask.Flask(__name__)\napp.config.from_object('settings')\n"
        )
        .is_empty());
        assert!(codes("from flask import Flask\napp = Flask(__name__)\napp.config.update(MAX_CONTENT_LENGTH=1024)\n").is_empty());
    }
}
