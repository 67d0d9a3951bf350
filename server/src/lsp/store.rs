//! The open documents and the last analysis of each.

use std::sync::Arc;

use dashmap::DashMap;
use tower_lsp_server::ls_types::Uri;

use crate::analysis::incremental::Cache;
use crate::analysis::Finding;
use crate::text::Document;

/// The findings of one analysed version.
#[derive(Clone)]
pub struct Analysis {
    pub version: i32,
    pub text: Arc<String>,
    pub findings: Arc<Vec<Finding>>,
    /// Said once as an information diagnostic: why the file was skipped or analysed only in part.
    pub notice: Option<String>,
    /// For an open configuration file: its problems.
    pub config_errors: Vec<crate::config::ConfigError>,
}

/// One open document and its latest analysis, if that analysis is still for the current version.
pub struct Entry {
    pub doc: Document,
    pub analysis: Option<Analysis>,
    /// The newest version whose diagnostics were published; publishing never goes backwards.
    pub published: Option<i32>,
    /// What the last analysis leaves for the next one, following every edit since (shared with a
    /// running analysis; an edit meanwhile copies it).
    pub cache: Option<Arc<Cache>>,
}

/// Every open document, by URI. Handlers mutate entries synchronously (never across an `.await`),
/// so the order edits arrive in is the order they are applied in.
#[derive(Default)]
pub struct Store {
    pub docs: DashMap<Uri, Entry>,
}

/// What an analysis needs, copied out of the store so no lock is held while it runs.
pub struct Snapshot {
    pub version: i32,
    pub text: Arc<String>,
    /// `None` when the document is skipped (too large, or its parse timed out).
    pub tree: Option<crate::parse::ModuleTree>,
    pub skipped: Option<crate::text::document::Skipped>,
    pub cache: Option<Arc<Cache>>,
}

impl Store {
    /// The current text and tree of a document.
    pub fn snapshot(&self, uri: &Uri) -> Option<Snapshot> {
        let entry = self.docs.get(uri)?;
        let text = entry.doc.text();
        Some(Snapshot {
            version: entry.doc.version,
            text,
            tree: entry.doc.tree().cloned(),
            skipped: entry.doc.skipped(),
            cache: entry.cache.clone(),
        })
    }

    /// The current version of a document, if it is open.
    pub fn version(&self, uri: &Uri) -> Option<i32> {
        self.docs.get(uri).map(|e| e.doc.version)
    }
}
