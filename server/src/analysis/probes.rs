//! The questions rules ask about a file's imports that do not go through a name in the text.
//!
//! Most of what a rule reads of the imports is keyed by a name it sees in the code (`r.get` asks
//! what `r` is), so an import change can only affect the units that name a changed binding. Some
//! questions are about the file as a whole: "does it import `flask`?", "what is `loguru.logger`
//! called here?", "is `logger` taken by an import?". [`crate::analysis::Context`] answers them
//! and records each one here; the incremental analysis keeps the record, and analyses the whole
//! file again when an import change touches a recorded question (see `incremental`).

use std::cell::RefCell;
use std::collections::BTreeSet;

use super::semantic::ImportChange;

/// One question about the imports.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ImportProbe {
    /// About a module or an imported object, its packages and what is inside it: "does the file
    /// import `ssl`?", "can a call resolve to `sqlalchemy.sql.text`?".
    Module(&'static str),
    /// About every qualified name that starts with this text ("anything from `flask…`?").
    Prefix(&'static str),
    /// About one local name, which the asker did not read from the code ("is `logger` imported?").
    Name(String),
}

impl ImportProbe {
    /// Whether the answer to this question may differ after `change`.
    pub fn touched_by(&self, change: &ImportChange) -> bool {
        match self {
            ImportProbe::Module(module) => change
                .qualified()
                .any(|q| within(q, module) || within(module, q)),
            ImportProbe::Prefix(prefix) => change.qualified().any(|q| q.starts_with(prefix)),
            ImportProbe::Name(name) => change.local == name,
        }
    }
}

/// Whether `name` is `module` or a name inside it (`a.b.c` is within `a.b`, `a.bc` is not).
fn within(name: &str, module: &str) -> bool {
    name.strip_prefix(module)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
}

/// The questions asked during one analysis.
#[derive(Debug, Default)]
pub struct Recorder {
    asked: RefCell<BTreeSet<ImportProbe>>,
}

impl Recorder {
    /// Notes a question.
    pub fn ask(&self, probe: ImportProbe) {
        self.asked.borrow_mut().insert(probe);
    }

    /// The questions asked so far.
    pub fn asked(&self) -> BTreeSet<ImportProbe> {
        self.asked.borrow().clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change<'a>(
        local: &'a str,
        before: Option<&'a str>,
        after: Option<&'a str>,
    ) -> ImportChange<'a> {
        ImportChange {
            local,
            before,
            after,
        }
    }

    #[test]
    fn a_module_question_sees_the_module_its_packages_and_its_contents() {
        let probe = ImportProbe::Module("sqlalchemy.sql.text");
        assert!(probe.touched_by(&change("sqlalchemy", None, Some("sqlalchemy"))));
        assert!(probe.touched_by(&change("sql", Some("sqlalchemy.sql"), None)));
        assert!(probe.touched_by(&change("t", None, Some("sqlalchemy.sql.text"))));
        assert!(probe.touched_by(&change("x", None, Some("sqlalchemy.sql.text.x"))));
        // Names typed on the way to `sqlalchemy` share letters, not packages.
        assert!(!probe.touched_by(&change("sqla", None, Some("sqla"))));
        assert!(!probe.touched_by(&change("s", Some("s"), None)));
        assert!(!probe.touched_by(&change("orm", None, Some("sqlalchemy.orm"))));
    }

    #[test]
    fn prefix_and_name_questions() {
        let prefix = ImportProbe::Prefix("flask");
        assert!(prefix.touched_by(&change("CORS", None, Some("flask_cors.CORS"))));
        assert!(prefix.touched_by(&change("f", Some("flask"), Some("fastapi"))));
        assert!(!prefix.touched_by(&change("fl", None, Some("fl"))));
        let name = ImportProbe::Name("logger".to_string());
        assert!(name.touched_by(&change("logger", None, Some("loguru.logger"))));
        assert!(!name.touched_by(&change("log", None, Some("log"))));
    }
}
