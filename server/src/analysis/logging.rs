//! What counts as logging: calls on the `logging` module or on a logger object, and the error
//! reporters (Sentry, `traceback.print_exc`) that serve the same purpose in a handler.

use tree_sitter::Node;

use super::kinds::Field;
use super::Context;

/// Logger methods that emit a record.
pub const LOG_METHODS: &[&str] = &[
    "debug",
    "info",
    "warning",
    "warn",
    "error",
    "exception",
    "critical",
    "fatal",
    "log",
];

/// Functions that report an error without a logger.
const REPORTERS: &[&str] = &[
    "sentry_sdk.capture_exception",
    "sentry_sdk.capture_message",
    "traceback.print_exc",
    "traceback.print_exception",
    "warnings.warn",
];

/// Whether an expression names a logger: `logging`, or a name (or attribute) such as `logger`,
/// `log`, `LOGGER`, `_logger`, `self.logger`, `app.logger`, `audit_log`.
pub fn is_logger(ctx: &Context, object: Node) -> bool {
    if ctx.resolve(object).as_deref() == Some("logging") {
        return true;
    }
    let name = match object.kind() {
        "identifier" => ctx.text(object),
        "attribute" => object.field("attribute").map(|a| ctx.text(a)).unwrap_or(""),
        "call" => {
            // `logging.getLogger(__name__).error(...)`
            return object
                .field("function")
                .and_then(|f| ctx.resolve(f))
                .is_some_and(|q| q == "logging.getLogger" || q == "structlog.get_logger");
        }
        _ => return false,
    };
    let lower = name.to_ascii_lowercase();
    let lower = lower.trim_start_matches('_');
    lower == "log" || lower.ends_with("logger") || lower.ends_with("_log")
}

/// If `call` is `<logger>.<method>(...)`, the method name.
pub fn log_method<'a>(ctx: &Context<'a>, call: Node) -> Option<&'a str> {
    let function = call.field("function")?;
    if function.kind() != "attribute" {
        return None;
    }
    let method = ctx.text(function.field("attribute")?);
    let object = function.field("object")?;
    (LOG_METHODS.contains(&method) && is_logger(ctx, object)).then_some(method)
}

/// Whether a call logs or reports something.
pub fn is_logging_call(ctx: &Context, call: Node) -> bool {
    if log_method(ctx, call).is_some() {
        return true;
    }
    call.field("function")
        .and_then(|f| ctx.resolve(f))
        .is_some_and(|q| REPORTERS.contains(&q.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::ModuleTree;

    fn logging_calls(src: &str) -> Vec<String> {
        let tree = ModuleTree::parse(src, None).unwrap();
        let ctx = Context::new(src, &tree);
        let mut out = Vec::new();
        ctx.walk_module(|n| {
            if n.kind() == "call" && is_logging_call(&ctx, n) {
                out.push(ctx.text(n).to_string());
            }
        });
        out
    }

    #[test]
    fn loggers_by_name_and_module() {
        let src = "import logging\nimport sentry_sdk\nlogging.error('a')\nlogger.info('b')\nself.logger.warning('c')\napp.logger.exception('d')\nsentry_sdk.capture_exception(e)\n";
        assert_eq!(logging_calls(src).len(), 5);
        let not = "dialog.error('x')\ncatalog.info('y')\nresponse.error('z')\nlogin.info('w')\n";
        assert!(logging_calls(not).is_empty(), "{:?}", logging_calls(not));
    }
}
