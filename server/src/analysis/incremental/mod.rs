//! Incremental analysis: after an edit, re-run the rules only over the units the edit touched.
//!
//! A full analysis files every finding under the unit it starts in and keeps, per unit, its facts
//! and findings ([`Cache`]). Edits then flow into the cache as they reach the document: units after
//! an edit shift, units it touches (or that tree-sitter's `changed_ranges` reports) turn dirty.
//! The next analysis lists the units of the new tree, reuses every clean unit whose range and
//! kind still match, collects the facts of the others with the previous file facts, and checks
//! that the merged facts other than the imports hold ([`FileFacts::same_as`]). If so, only the
//! dirty units are analysed — plus, when some module-level code (or a definition's signature)
//! changed, all module-level code for the rules that follow values from one module statement to
//! the next (`rules::is_module_flow`) and the module code holding findings for the others, and
//! the units whose fixes read the top of the module when it changed. When an import changed, the
//! units that name a changed binding are collected and analysed again too, unless a question a
//! rule asked about the imports as a whole can see the change (`probes`). If another fact changed
//! (a route decorator, a Flask app), or such a question saw the import change, the whole file is
//! analysed again. (A statement that does not parse as a module at all has all of its units
//! turned dirty by the tree: `ModuleTree::reparse`.) Either way the result equals a full
//! analysis of the same text; `server/tests/incremental_analysis.rs` checks that over random edit
//! sequences.

use std::collections::BTreeSet;
use std::ops::Range;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::time::Instant;

use crate::parse::ModuleTree;

use super::context::list_named;
use super::facts::{self, FileFacts, UnitData, UnitFacts};
use super::kinds::KindSet;
use super::probes::ImportProbe;
use super::units::{unit_index, Lister, UnitKind};
use super::{suppression, Analysis, Context, FileSettings, Finding};
pub use listing::OUT_OF_STEP;
use listing::{Listing, Slot};

mod listing;
use crate::fix::imports::line_start;
use crate::rules::{self, Rule};
use crate::text::document::{Applied, ByteEdit};

/// What one analysis leaves for the next, in the coordinates of the current text.
#[derive(Debug, Clone)]
pub struct Cache {
    settings: FileSettings,
    facts: FileFacts,
    /// [`Head`] of the text.
    head: Head,
    units: Vec<CachedUnit>,
    /// The questions rules asked about the imports as a whole since the last full analysis: the
    /// findings kept from then on rest on their answers.
    probes: BTreeSet<ImportProbe>,
}

#[derive(Debug, Clone)]
struct CachedUnit {
    range: Range<usize>,
    /// Where the line of the unit's first byte starts: findings and fixes read the text before
    /// the unit on that line (its indentation), so an edit there touches the unit.
    line_start: usize,
    /// Where the line of the unit's last byte ends (its line break, or the end of the text):
    /// fixes read the rest of that line too (an insertion goes after it).
    line_end: usize,
    kind: UnitKind,
    /// The kind id of the unit's node: a statement that error recovery wrapped into an `ERROR`
    /// node keeps its bytes but is no longer the same unit.
    node_kind: u16,
    /// Where the unit's node ends (for a class header, the end of the class).
    node_end: usize,
    /// Whether the node is a child of a piece's root (see [`super::units::Unit::top_level`]).
    top_level: bool,
    /// The stamp of the piece it was listed from ([`ModuleTree::stamped_roots`]): while the
    /// piece keeps it, the piece's units are the cached ones.
    piece: u64,
    /// Touched by an edit since the analysis: its data and findings no longer hold.
    dirty: bool,
    /// Shared between successive caches: a keystroke copies pointers, not facts.
    data: Arc<UnitData>,
    /// The findings of the unit-local rules filed under this unit, before suppression.
    findings: Arc<Vec<Finding>>,
}

/// Where `pos` moves to through `edit`, or `None` if the edit replaced it.
fn shift(edit: &ByteEdit, pos: usize) -> Option<usize> {
    if pos <= edit.start {
        Some(pos)
    } else if pos >= edit.old_end {
        Some(pos - edit.old_end + edit.new_end)
    } else {
        None
    }
}

fn shift_range(edit: &ByteEdit, r: &Range<usize>) -> Option<Range<usize>> {
    Some(shift(edit, r.start)?..shift(edit, r.end)?)
}

impl Cache {
    /// Follows one edit: units it touches turn dirty, everything after it shifts.
    pub fn edit(&mut self, edit: ByteEdit) {
        for unit in &mut self.units {
            if unit.dirty {
                continue;
            }
            // Touching counts: typing right after a statement's last character extends it, typing
            // before it on its line changes its indentation, and typing after it on its last line
            // moves the end of that line, after which fixes insert.
            if unit.line_start <= edit.old_end && unit.line_end.max(unit.range.end) >= edit.start {
                unit.dirty = true;
                continue;
            }
            let moved = shift_unit(unit, &edit);
            if !moved {
                unit.dirty = true;
            }
        }
    }

    /// Follows what a batch of changes did to the text; `false` if nothing carries over (the
    /// whole text was replaced), and the cache should be dropped.
    pub fn follow(&mut self, applied: &Applied) -> bool {
        if applied.whole {
            return false;
        }
        for edit in &applied.edits {
            self.edit(*edit);
        }
        for range in &applied.changed {
            self.invalidate(range.clone());
        }
        true
    }

    /// Marks the units overlapping a range of the current text dirty (tree-sitter's
    /// `changed_ranges`: syntax that changed beyond the edited bytes).
    pub fn invalidate(&mut self, range: Range<usize>) {
        for unit in &mut self.units {
            if unit.range.start <= range.end && unit.range.end >= range.start {
                unit.dirty = true;
            }
        }
    }
}

/// Where the line holding the byte before `end` ends: the offset of its line break, or the end of
/// the text.
fn last_line_end(source: &str, end: usize) -> usize {
    let from = end.min(source.len());
    memchr::memchr(b'\n', &source.as_bytes()[from..]).map_or(source.len(), |i| from + i)
}

/// Shifts a clean unit and its findings; `false` if a finding's fix edits bytes the edit replaced.
fn shift_unit(unit: &mut CachedUnit, edit: &ByteEdit) -> bool {
    let (Some(start), Some(end)) = (shift(edit, unit.range.start), shift(edit, unit.range.end))
    else {
        return false;
    };
    unit.range = start..end;
    // An edit overlapping the line from its start would have touched the unit.
    let Some(line_start) = shift(edit, unit.line_start) else {
        return false;
    };
    unit.line_start = line_start;
    let Some(line_end) = shift(edit, unit.line_end) else {
        return false;
    };
    unit.line_end = line_end;
    let Some(node_end) = shift(edit, unit.node_end) else {
        return false;
    };
    unit.node_end = node_end;
    if unit.findings.is_empty() {
        return true;
    }
    for f in Arc::make_mut(&mut unit.findings) {
        let Some(range) = shift_range(edit, &f.range) else {
            return false;
        };
        f.range = range;
        if let Some(fix) = &mut f.fix {
            for e in &mut fix.edits {
                let Some(range) = shift_range(edit, &e.range) else {
                    return false;
                };
                e.range = range;
            }
        }
    }
    true
}

/// Analyses a file, reusing `previous` where it still holds; returns the analysis and the cache
/// for the next one (none if rules were skipped for time).
pub fn analyze(
    source: &str,
    tree: &ModuleTree,
    settings: &FileSettings,
    deadline: Option<Instant>,
    previous: Option<&Cache>,
) -> (Analysis, Option<Cache>) {
    let reason = match previous {
        Some(previous) if &previous.settings == settings => {
            match try_incremental(source, tree, settings, deadline, previous) {
                Ok(done) => return done,
                Err(reason) => Some(reason),
            }
        }
        Some(_) => Some("settings changed"),
        None => None,
    };
    let (mut analysis, cache) = full(source, tree, settings, deadline);
    analysis.full_reason = reason;
    (analysis, cache)
}

/// The rules to run for this file, split by whether they may run unit by unit.
fn enabled_rules(settings: &FileSettings) -> impl Iterator<Item = &Rule> + Clone {
    rules::registry()
        .rules()
        .iter()
        .chain(settings.user_rules.0.iter())
        .filter(|r| settings.enabled(r.meta.code))
}

/// Runs `rules` over `ctx`, each isolated (a panicking rule is logged and skipped), until the
/// deadline; returns the findings and the codes of the rules that did not run.
fn run_rules<'r>(
    ctx: &Context,
    rules: impl Iterator<Item = &'r Rule>,
    deadline: Option<Instant>,
    findings: &mut Vec<Finding>,
    skipped: &mut Vec<&'static str>,
) {
    for rule in rules {
        if deadline.is_some_and(|d| Instant::now() > d) {
            skipped.push(rule.meta.code);
            continue;
        }
        let mut out = Vec::new();
        match catch_unwind(AssertUnwindSafe(|| rule.check(ctx, &mut out))) {
            Ok(()) => findings.extend(out),
            Err(panic) => {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                tracing::error!(
                    rule = rule.meta.code,
                    "rule panicked and was skipped: {what}"
                );
            }
        }
    }
}

/// Runs the unit-local rules over `local` (the region under analysis), the module-flow rules over
/// `flow` when given (else over `local` with the others), and the whole-file rules over `whole`.
fn run_all<'a>(
    local: &Context<'a>,
    flow: Option<&Context<'a>>,
    whole: &Context<'a>,
    deadline: Option<Instant>,
) -> RuleFindings {
    let rules = enabled_rules(local.settings);
    let mut skipped = Vec::new();
    let mut local_findings = Vec::new();
    run_rules(
        local,
        rules
            .clone()
            .filter(|r| !r.whole_file() && (flow.is_none() || !r.module_flow())),
        deadline,
        &mut local_findings,
        &mut skipped,
    );
    let mut flow_findings = Vec::new();
    if let Some(flow) = flow {
        flow.reuse_walk_of(local);
        run_rules(
            flow,
            rules.clone().filter(|r| r.module_flow()),
            deadline,
            &mut flow_findings,
            &mut skipped,
        );
    }
    let mut whole_findings = Vec::new();
    run_rules(
        whole,
        rules.filter(|r| r.whole_file()),
        deadline,
        &mut whole_findings,
        &mut skipped,
    );
    RuleFindings {
        local: local_findings,
        flow: flow_findings,
        whole: whole_findings,
        skipped,
    }
}

/// What [`run_all`] found, by the context each group of rules ran over.
struct RuleFindings {
    /// Over `local`: the unit-local rules, and the module-flow rules when no `flow` was given.
    local: Vec<Finding>,
    /// Over `flow`: the module-flow rules.
    flow: Vec<Finding>,
    /// Over `whole`: the whole-file rules.
    whole: Vec<Finding>,
    /// The codes of the rules the deadline skipped.
    skipped: Vec<&'static str>,
}

fn full(
    source: &str,
    tree: &ModuleTree,
    settings: &FileSettings,
    deadline: Option<Instant>,
) -> (Analysis, Option<Cache>) {
    // The units, each with the stamp of its piece.
    let mut units = Vec::new();
    let mut stamps = Vec::new();
    let mut roots = tree.stamped_roots().peekable();
    if let Some(&(_, first)) = roots.peek() {
        let mut lister = Lister::new(first);
        for (stamp, root) in roots {
            lister.push_units(root, &mut units);
            stamps.resize(units.len(), stamp);
        }
    }
    let units = &units[..];
    // One walk lists every node for the rules and the facts alike; with no rule to read the
    // list (`--select` of a requirements rule only), the facts' own walk enters less.
    let walked_by_rules = enabled_rules(settings).any(|r| !matches!(r.check, rules::Check::Driver));
    let (data, facts, nodes) = if walked_by_rules {
        let (mut nodes, mut depths) = (Vec::new(), Vec::new());
        list_named(tree.roots(), &mut nodes, &mut depths);
        let (data, facts) = facts::collect_all_listed(units, source, &nodes, &depths);
        (data, facts, Some(nodes))
    } else {
        let (data, facts) = facts::collect_all(units, source);
        (data, facts, None)
    };
    let mut ctx = Context::with_facts(source, tree, settings, &facts, None);
    if let Some(nodes) = nodes {
        ctx = ctx.with_listed(nodes);
    }
    let RuleFindings {
        local,
        whole,
        skipped,
        ..
    } = run_all(&ctx, None, &ctx, deadline);
    let ranges: Vec<Range<usize>> = units.iter().map(|u| u.range()).collect();
    let mut per_unit: Vec<Vec<Finding>> = vec![Vec::new(); units.len()];
    let mut orphans = Vec::new();
    for f in local {
        match per_unit.get_mut(unit_index(&ranges, f.range.start)) {
            Some(list) => list.push(f),
            None => orphans.push(f),
        }
    }
    let cache = Cache {
        settings: settings.clone(),
        facts: facts.clone(),
        head: Head::of(tree, source),
        probes: ctx.import_probes(),
        units: units
            .iter()
            .zip(stamps)
            .zip(data)
            .zip(per_unit)
            .map(|(((u, piece), data), findings)| CachedUnit {
                range: u.range(),
                line_start: line_start(source, u.start),
                line_end: last_line_end(source, u.end),
                kind: u.kind,
                node_kind: u.node_kind,
                node_end: u.node.end_byte(),
                top_level: u.top_level,
                piece,
                dirty: false,
                data: Arc::new(data),
                findings: Arc::new(findings),
            })
            .collect(),
    };
    conclude(
        &ctx,
        cache,
        orphans.into_iter().chain(whole),
        skipped,
        false,
    )
}

/// Comments: module-level code, but nothing reads them across statements.
static COMMENT: std::sync::LazyLock<KindSet> =
    std::sync::LazyLock::new(|| KindSet::of(&["comment"]));

/// Import statements: module-level code that the module-flow rules read only through the names
/// it binds (it holds no call, string or assignment they follow).
static IMPORT: std::sync::LazyLock<KindSet> = std::sync::LazyLock::new(|| {
    KindSet::of(&[
        "import_statement",
        "import_from_statement",
        "future_import_statement",
    ])
});

/// Why an analysis went the full way when most of a large file was to be analysed again.
pub const MOSTLY_CHANGED: &str = "most of the file changed";

/// The size from which [`MOSTLY_CHANGED`] applies.
const MOSTLY_CHANGED_MIN_BYTES: usize = 16 * 1024;

/// Analyses only the dirty units, if the file's facts still hold; `Err` says why a full analysis
/// is needed.
fn try_incremental(
    source: &str,
    tree: &ModuleTree,
    settings: &FileSettings,
    deadline: Option<Instant>,
    previous: &Cache,
) -> Result<(Analysis, Option<Cache>), &'static str> {
    let listing = Listing::of(tree, &previous.units);
    let units = &listing.slots[..];
    let ranges: Vec<Range<usize>> = units.iter().map(|u| u.range()).collect();
    // Pair the new units with clean cached ones of the same range (both lists are sorted).
    // Each with its position in the cache.
    let mut paired: Vec<Option<(usize, &CachedUnit)>> = Vec::with_capacity(units.len());
    let mut old = previous.units.iter().enumerate().peekable();
    for unit in units {
        while old.next_if(|(_, c)| c.range.start < unit.start).is_some() {}
        paired.push(old.next_if(|(_, c)| {
            !c.dirty
                && c.range == unit.range()
                && c.kind == unit.kind
                && c.node_kind == unit.node_kind
        }));
    }
    // Fixes read the top of the module: where an `import` goes, whether one is there to reuse.
    // When its leading statements changed, every unit holding a fix is analysed again; when only
    // the line after them changed, the units whose fixes insert there.
    let head = Head::of(tree, source);
    let leading_changed = head.leading != previous.head.leading;
    if leading_changed || head.after != previous.head.after {
        for (unit, pair) in units.iter().zip(paired.iter_mut()) {
            let reads_top = pair.is_some_and(|(_, c)| {
                c.findings.iter().flat_map(|f| &f.fix).any(|fix| {
                    leading_changed
                        || fix
                            .edits
                            .iter()
                            .any(|e| e.range.start <= head.end && e.range.start < unit.start)
                })
            });
            if reads_top {
                *pair = None;
            }
        }
    }
    unpair_class_bodies(units, &mut paired);
    // An edit can leave most of the file to analyse again: a docstring left open swallows the
    // code below it. Collecting and comparing that many units, then finding the facts changed,
    // cost twice a full analysis of a 2,000-line module (9 ms against 3.4); above half of the
    // file, the full analysis is the cheaper way to the same findings. Below 16 KB either takes
    // well under a millisecond.
    let changed: usize = units
        .iter()
        .zip(&paired)
        .filter(|(_, pair)| pair.is_none())
        .map(|(unit, _)| unit.end.saturating_sub(unit.start))
        .sum();
    if source.len() >= MOSTLY_CHANGED_MIN_BYTES && changed * 2 > source.len() {
        return Err(MOSTLY_CHANGED);
    }
    let logger_name = settings.options.logger_name.as_str();
    let mut plan = Plan::of(&listing, &paired, previous, source, &previous.facts)?;
    // An import changed. What rules read of the imports through a name in the code can change
    // only in the units that name a changed binding: those are collected with the new imports and
    // analysed again. What they asked about the imports as a whole was recorded (`probes`); if
    // the change can alter one of those answers, the whole file is analysed again.
    let changed_imports = plan
        .merged
        .as_ref()
        .filter(|m| m.imports != previous.facts.imports)
        .map(|m| m.imports.clone());
    if let Some(imports) = changed_imports {
        let changes = imports.changes_from(&previous.facts.imports);
        if changes
            .iter()
            .any(|c| previous.probes.iter().any(|p| p.touched_by(c)))
        {
            return Err("an import the rules ask about changed");
        }
        let names: Vec<&str> = changes.iter().map(|c| c.local).collect();
        for i in units_naming(source, tree, &ranges, &names) {
            paired[i] = None;
        }
        unpair_class_bodies(units, &mut paired);
        let context = FileFacts::from_imports(imports.clone());
        plan = Plan::of(&listing, &paired, previous, source, &context)?;
        if plan.merged.as_ref().is_none_or(|m| m.imports != imports) {
            return Err("units out of step");
        }
    }
    let Plan {
        kept,
        reused,
        dirty,
        fresh,
        merged,
    } = plan;
    if merged
        .as_ref()
        .is_some_and(|m| !m.same_as(&previous.facts, logger_name))
    {
        return Err("the file's facts changed");
    }
    // Borrowed when they held, so the keystroke path copies the facts once (into the new cache).
    let facts: std::borrow::Cow<FileFacts> = match merged {
        Some(merged) => std::borrow::Cow::Owned(merged),
        None => std::borrow::Cow::Borrowed(&previous.facts),
    };
    // The module-flow rules read module-level code across its statements (a value flows from one
    // to the next): when some of it changed, they run over all of it again, with the dirty units.
    // A module statement that went away counts too (swallowed by a comment that grew, say): the
    // statements after it may have read it. The other rules run over the dirty units, and over
    // the module code that holds findings: whether a unit holds one rests on that unit and the
    // file's facts, which held, but a fix in module code reads the statements before it (a
    // `logger` bound above is reused, one bound below is not). Functions only see module code
    // through the facts.
    // Comments and import statements do not count: the flows read an import only through the
    // names it binds, and the module code naming a changed binding is dirty already (above), so
    // it counts itself. (Typing an import at the top of a large file analysed all its module code
    // on every keystroke.) What else reads imports is covered apart: the questions about the
    // imports as a whole (`probes`), and the leading imports fixes reuse (`Head`).
    let inert = |node_kind: u16| COMMENT.contains_id(node_kind) || IMPORT.contains_id(node_kind);
    let code_dropped = previous
        .units
        .iter()
        .zip(&kept)
        .any(|(c, kept)| !kept && c.kind == UnitKind::Code && !inert(c.node_kind));
    let code_changed = facts.signatures != previous.facts.signatures
        || code_dropped
        || dirty
            .iter()
            .any(|&i| units[i].kind == UnitKind::Code && !inert(units[i].node_kind));
    // This holds while the file has syntax errors too. Error recovery regroups statements from
    // one keystroke to the next, but a regrouped statement is a unit of another range or kind
    // (dirty), the facts of every dirty unit are collected again and compared, and all module
    // code is checked for flows again; what functions read of module code (the names a logging
    // fix may reuse or collide with) is in the facts.
    // The units whose findings are replaced: the dirty ones, and all module code for the flows.
    let analysed: Vec<usize> = if code_changed {
        (0..units.len())
            .filter(|&i| reused[i].is_none() || units[i].kind == UnitKind::Code)
            .collect()
    } else {
        dirty.clone()
    };
    // The units all rules run over.
    let local: Vec<usize> = if code_changed {
        analysed
            .iter()
            .copied()
            .filter(|&i| reused[i].is_none_or(|c| !c.findings.is_empty()))
            .collect()
    } else {
        dirty.clone()
    };
    // `local` is a subset of `analysed`: their nodes are looked up once.
    let analysed_units = listing.units(&analysed)?;
    let local_units = local
        .iter()
        .filter_map(|i| analysed.binary_search(i).ok().map(|k| analysed_units[k]))
        .collect();
    let ctx = Context::with_facts(source, tree, settings, &facts, Some(local_units));
    let flow_ctx = code_changed.then(|| {
        Context::with_facts(source, tree, settings, &facts, Some(analysed_units)).with_module_code()
    });
    let whole_ctx = Context::with_facts(source, tree, settings, &facts, None);
    let found = run_all(&ctx, flow_ctx.as_ref(), &whole_ctx, deadline);
    let mut per_analysed: Vec<Vec<Finding>> = vec![Vec::new(); analysed.len()];
    // A clean unit analysed for the flows only keeps what the other rules found in it.
    for (k, &i) in analysed.iter().enumerate() {
        if local.binary_search(&i).is_err() {
            let Some(c) = reused[i] else { continue };
            let others = c
                .findings
                .iter()
                .filter(|f| !rules::is_module_flow(f.rule.code));
            per_analysed[k].extend(others.cloned());
        }
    }
    let mut file = |found: Vec<Finding>, under: &[usize]| {
        for f in found {
            let at = unit_index(&ranges, f.range.start);
            if let (Ok(_), Ok(k)) = (under.binary_search(&at), analysed.binary_search(&at)) {
                per_analysed[k].push(f);
            }
        }
    };
    file(found.local, &local);
    file(found.flow, &analysed);
    let (whole, skipped) = (found.whole, found.skipped);
    let mut fresh = fresh.into_iter();
    let mut per_analysed = analysed.iter().zip(per_analysed).peekable();
    let cache = Cache {
        settings: settings.clone(),
        facts: facts.clone().into_owned(),
        head,
        probes: previous
            .probes
            .iter()
            .cloned()
            .chain(ctx.import_probes())
            .chain(whole_ctx.import_probes())
            .collect(),
        units: units
            .iter()
            .zip(&reused)
            .enumerate()
            .map(|(i, (u, r))| {
                let findings = per_analysed
                    .next_if(|(k, _)| **k == i)
                    .map(|(_, found)| Arc::new(found));
                let (data, findings) = match (r, findings) {
                    (Some(c), None) => (Arc::clone(&c.data), Arc::clone(&c.findings)),
                    (Some(c), Some(found)) => (Arc::clone(&c.data), found),
                    (None, found) => (
                        Arc::new(fresh.next().unwrap_or_default()),
                        found.unwrap_or_default(),
                    ),
                };
                // A reused unit was paired on its range and kind, and shifted with its lines
                // while it stayed clean: its line bounds carry over without a search.
                let (line_start, line_end) = match r {
                    Some(c) => (c.line_start, c.line_end),
                    None => (line_start(source, u.start), last_line_end(source, u.end)),
                };
                CachedUnit {
                    range: u.range(),
                    line_start,
                    line_end,
                    kind: u.kind,
                    node_kind: u.node_kind,
                    node_end: u.node_end,
                    top_level: u.top_level,
                    piece: u.stamp,
                    dirty: false,
                    data,
                    findings,
                }
            })
            .collect(),
    };
    Ok(conclude(
        &whole_ctx,
        cache,
        whole.into_iter(),
        skipped,
        true,
    ))
}

/// A class's methods are read in the light of its header (a view's base class): when the header
/// is not reused, the whole class is collected and analysed again.
fn unpair_class_bodies<T>(units: &[Slot], paired: &mut [Option<T>]) {
    for i in 0..units.len() {
        if paired[i].is_none() && units[i].kind == UnitKind::ClassHeader {
            let class_end = units[i].node_end;
            for j in i + 1..units.len() {
                if units[j].start >= class_end {
                    break;
                }
                paired[j] = None;
            }
        }
    }
}

/// Where a name is text, not code: inside a comment or a string's text, or the prefix of a string
/// (`r"..."`). Rules resolve names through the imports in code only.
static TEXT: std::sync::LazyLock<KindSet> = std::sync::LazyLock::new(|| {
    KindSet::of(&[
        "comment",
        "string_content",
        "string_start",
        "escape_sequence",
    ])
});

/// The units whose text holds one of `names` as a whole word outside comments and string text (an
/// identifier, or the same letters where error recovery or a doubtful boundary may make one:
/// more than needed, never less).
fn units_naming(
    source: &str,
    tree: &ModuleTree,
    ranges: &[Range<usize>],
    names: &[&str],
) -> Vec<usize> {
    let bytes = source.as_bytes();
    // Where a name cannot start or end: next to a character that continues the same identifier
    // token. A letter or `_` before it does, unless the run of them starts with a digit (a
    // number: `1r` and `0xfr` lex as two tokens); a non-ASCII character may belong to an
    // identifier (`ér`) or not (`😀r`). Doubtful cases count as boundaries, which only ever
    // finds more units.
    let word = |b: &u8| b.is_ascii_alphanumeric() || *b == b'_';
    let continues_before = |at: usize| {
        let run = bytes[..at].iter().rev().take_while(|b| word(b)).count();
        run > 0 && !bytes[at - run].is_ascii_digit()
    };
    let continues_after = |at: usize| bytes.get(at).is_some_and(word);
    let mut found = Vec::new();
    for name in names.iter().filter(|n| !n.is_empty()) {
        for at in memchr::memmem::find_iter(bytes, name.as_bytes()) {
            if continues_before(at) || continues_after(at + name.len()) {
                continue;
            }
            // Common short names (`r`, `request`) occur mostly in strings and comments; the
            // tree tells.
            let text = tree
                .root_at(at)
                .and_then(|root| root.descendant_for_byte_range(at, at + name.len()))
                .is_some_and(|n| TEXT.contains_id(n.kind_id()));
            if !text {
                found.push(unit_index(ranges, at));
            }
        }
    }
    found.sort_unstable();
    found.dedup();
    found
}

/// Which cached units an incremental analysis reuses and which units it collects again.
struct Plan<'c> {
    /// Per cached unit, whether it is reused.
    kept: Vec<bool>,
    /// Per unit of the new tree, the cached unit it reuses.
    reused: Vec<Option<&'c CachedUnit>>,
    /// The units collected again, by index, with their data.
    dirty: Vec<usize>,
    fresh: Vec<UnitData>,
    /// The facts merged from reused and fresh units, unless the fresh units replace the dropped
    /// ones one for one with equal facts (and the facts cannot have changed).
    merged: Option<FileFacts>,
}

impl<'c> Plan<'c> {
    /// Collects the units `paired` does not reuse, resolving names with `context`.
    fn of(
        listing: &Listing,
        paired: &[Option<(usize, &'c CachedUnit)>],
        previous: &'c Cache,
        source: &str,
        context: &FileFacts,
    ) -> Result<Plan<'c>, &'static str> {
        let mut kept = vec![false; previous.units.len()];
        for (k, _) in paired.iter().flatten() {
            kept[*k] = true;
        }
        let reused: Vec<Option<&CachedUnit>> = paired.iter().map(|p| p.map(|(_, c)| c)).collect();
        let dirty: Vec<usize> = (0..reused.len()).filter(|&i| reused[i].is_none()).collect();
        let fresh: Vec<UnitData> = listing
            .units(&dirty)?
            .iter()
            .map(|u| facts::collect_with(u, source, context))
            .collect();
        // The cached units dropped, each with the number of kept units before it. When the dirty
        // units replace them one for one, in the same places, with equal facts (typing inside a
        // function), the merged facts cannot change; otherwise merge.
        let mut before = 0;
        let mut dropped: Vec<(usize, &UnitFacts)> = Vec::new();
        for (c, kept) in previous.units.iter().zip(&kept) {
            if *kept {
                before += 1;
            } else {
                dropped.push((before, &c.data.facts));
            }
        }
        let mut before = 0;
        let mut added: Vec<(usize, &UnitFacts)> = Vec::new();
        let mut fresh_iter = fresh.iter();
        for r in &reused {
            match r {
                Some(_) => before += 1,
                None => added.extend(fresh_iter.next().map(|d| (before, &d.facts))),
            }
        }
        let merged = if dropped == added {
            None
        } else {
            let mut fresh_iter = fresh.iter();
            let all: Vec<&UnitData> = reused
                .iter()
                .map(|r| match r {
                    Some(c) => Some(&*c.data),
                    None => fresh_iter.next(),
                })
                .collect::<Option<Vec<_>>>()
                .ok_or("units out of step")?;
            Some(FileFacts::merge(all.iter().map(|d| &d.facts)))
        };
        Ok(Plan {
            kept,
            reused,
            dirty,
            fresh,
            merged,
        })
    }
}

/// What fixes read at the top of the module (see `fix::imports`). Fixes are cached with their
/// findings, so when this changes their units are analysed again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Head {
    /// A hash of the leading comments, docstring and imports after which fixes insert an `import`
    /// or a logger: their text, and their kinds and ranges (error recovery elsewhere can regroup
    /// them without touching their text). Any fix may have read them; a change analyses the whole
    /// file again.
    leading: u64,
    /// A hash of the line after them, which decides the blank lines around an insertion: only the
    /// fixes that insert there read it.
    after: u64,
    /// Where that line ends.
    end: usize,
}

impl Head {
    fn of(tree: &ModuleTree, source: &str) -> Head {
        use std::hash::{Hash, Hasher};
        let mut leading = std::collections::hash_map::DefaultHasher::new();
        let mut last_end = 0;
        // The leading statements are top-level ones, each a unit of its own.
        for node in tree.statements() {
            let is_leading = match node.kind() {
                "comment"
                | "future_import_statement"
                | "import_statement"
                | "import_from_statement" => true,
                "expression_statement" => {
                    node.named_child_count() == 1
                        && node.named_child(0).is_some_and(|n| n.kind() == "string")
                }
                _ => false,
            };
            if !is_leading {
                break;
            }
            (node.kind_id(), node.start_byte(), node.end_byte()).hash(&mut leading);
            last_end = node.end_byte();
        }
        let line_end = crate::fix::imports::line_end;
        let start = line_end(source, last_end);
        let end = line_end(source, start);
        source.get(..start).unwrap_or(source).hash(&mut leading);
        let mut after = std::collections::hash_map::DefaultHasher::new();
        source.get(start..end).unwrap_or("").hash(&mut after);
        Head {
            leading: leading.finish(),
            after: after.finish(),
            end,
        }
    }
}

/// The analysis: the findings filed under the cache's units and those kept `apart` (the
/// whole-file rules', and any outside every unit), finished; with the cache for the next
/// analysis only if every rule ran.
fn conclude(
    ctx: &Context,
    cache: Cache,
    apart: impl Iterator<Item = Finding>,
    skipped: Vec<&'static str>,
    incremental: bool,
) -> (Analysis, Option<Cache>) {
    let findings = cache
        .units
        .iter()
        .flat_map(|u| u.findings.iter().cloned())
        .chain(apart)
        .collect();
    let analysis = finish(ctx, &cache, findings, skipped, incremental);
    let cache = analysis.skipped_rules.is_empty().then_some(cache);
    (analysis, cache)
}

/// Sorts, deduplicates, applies suppressions and severity overrides.
fn finish(
    ctx: &Context,
    cache: &Cache,
    mut findings: Vec<Finding>,
    skipped_rules: Vec<&'static str>,
    incremental: bool,
) -> Analysis {
    findings.sort_by(|a, b| {
        (a.range.start, a.range.end, a.rule.code).cmp(&(b.range.start, b.range.end, b.rule.code))
    });
    // Several query patterns may match the same node (say, each type in an `except (A, B)` tuple).
    findings.dedup_by(|a, b| a.rule.code == b.rule.code && a.range == b.range);
    let comments: Vec<Range<usize>> = cache
        .units
        .iter()
        .flat_map(|u| {
            let start = u.range.start;
            u.data
                .directive_comments
                .iter()
                .map(move |c| c.start + start..c.end + start)
        })
        .collect();
    let mut findings = suppression::apply(ctx, findings, &comments);
    for f in &mut findings {
        if let Some(severity) = ctx.settings.severity.get(f.rule.code) {
            f.severity = *severity;
        }
    }
    Analysis {
        findings,
        skipped_rules,
        incremental,
        full_reason: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::units::units;

    #[test]
    fn a_name_is_found_wherever_it_may_be_its_own_token() {
        let source = "a = r.get(u)\nb = xr.get(u)\nc = 1r\nd = 😀r\ne = rx\nf = 0xfr\n";
        let tree = ModuleTree::parse(source, None).expect("parses");
        let units: Vec<Range<usize>> = units(tree.roots()).iter().map(|u| u.range()).collect();
        // `r` alone, after a number (`1r`, `0xfr`: two tokens) and after an emoji; not inside
        // the identifiers `xr` and `rx`.
        assert_eq!(units_naming(source, &tree, &units, &["r"]), [0, 2, 3, 5]);
        assert_eq!(units_naming(source, &tree, &units, &["get"]), [0, 1]);
        assert!(units_naming(source, &tree, &units, &["q"]).is_empty());
    }

    #[test]
    fn a_name_in_a_comment_or_a_string_is_text() {
        let source = "a = r'x'  # r\nb = \"r \\r\"\nc = f\"r {r}\"\nd = '''\nr\n'''\ne = (r\n";
        let tree = ModuleTree::parse(source, None).expect("parses");
        let units: Vec<Range<usize>> = units(tree.roots()).iter().map(|u| u.range()).collect();
        // The trailing comment is a unit of its own.
        assert_eq!(units.len(), 6);
        // Only the name inside the interpolation, and the one error recovery keeps.
        assert_eq!(units_naming(source, &tree, &units, &["r"]), [3, 5]);
    }
}
