//! `stint audit export`, `verify` and `head` (SPEC U4): the audit chain exported as JSON lines,
//! verified offline from such a file or straight from a database, and its head printed for
//! anchoring elsewhere. With `--database` they open the store themselves and never ask a server,
//! so a compromised server cannot vouch for its own chain.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use futures::StreamExt;
use serde_json::{json, Value};
use stint_app::audit_trail::{chain_head, export_lines, ChainPages, ExportHeader, ExportRange};
use stint_core::audit::{verify_chain, AuditEvent, ChainBreak, ChainHead, ChainStart, VerifyError};
use stint_store::{Store, StoreError};
use stint_store_sqlite::database_file;
use tokio::runtime::Runtime;

use super::Ctx;
use crate::client::{CliError, CliResult};
use crate::serve::{is_postgres, open_store, redacted};
use crate::when::{parse_since, parse_time, rfc3339};

/// The export route of the API.
const EXPORT_PATH: &str = "/stint/v1/audit/export";

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Export the audit chain as JSON lines: a header naming the chain's head, then every event
    /// with its sequence, record, previous hash and hash.
    #[command(after_long_help = "Examples:
  stint audit export > audit.jsonl
  stint audit export --since 2026-11-01 --until 2026-12-01 > november.jsonl
  stint audit export --database /var/lib/stint/stint.db > audit.jsonl

Over HTTP it needs a Global Administrator or Privileged Role Administrator.")]
    Export(ExportArgs),
    /// Verify the audit chain from an export or straight from a database; names the first
    /// broken event and exits 1 if there is one.
    #[command(after_long_help = "Examples:
  stint audit verify --file audit.jsonl
  stint audit verify --database /var/lib/stint/stint.db
  stint audit verify --database postgres://stint@db.internal/stint --output json
  stint audit verify --file audit.jsonl --anchor 1234:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")]
    Verify(VerifyArgs),
    /// Print the chain's head (sequence, hash, time), to record somewhere else.
    #[command(after_long_help = "Examples:
  stint audit head
  stint audit head --database /var/lib/stint/stint.db --output json")]
    Head(HeadArgs),
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// From the first event at or after then: a duration ago (7d, 12h) or a time (2026-05-01).
    #[arg(long, value_name = "WHEN", value_parser = parse_since)]
    since: Option<DateTime<Utc>>,
    /// Up to the last event before this time.
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    until: Option<DateTime<Utc>>,
    /// Read the database itself (a SQLite file or postgres:// URL) instead of asking the server.
    #[arg(long, value_name = "URL")]
    database: Option<String>,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    source: ChainSource,
    /// A head recorded earlier (`stint audit head`): that event must still be in the chain with
    /// this hash.
    #[arg(long, value_name = "SEQUENCE:HASH", value_parser = parse_anchor)]
    anchor: Option<Anchor>,
}

/// Where `verify` reads the chain: one of the two.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct ChainSource {
    /// An export of `stint audit export`.
    #[arg(long, value_name = "PATH")]
    file: Option<PathBuf>,
    /// A database (a SQLite file or postgres:// URL), read directly and never changed.
    #[arg(long, value_name = "URL")]
    database: Option<String>,
}

/// An event's sequence and hash, recorded somewhere the server cannot write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Anchor {
    sequence: u64,
    hash: String,
}

fn parse_anchor(text: &str) -> Result<Anchor, String> {
    let (sequence, hash) = text
        .split_once(':')
        .ok_or("expected SEQUENCE:HASH, as `stint audit head` prints them")?;
    let sequence = sequence
        .trim()
        .parse()
        .map_err(|_| format!("'{sequence}' is not an event's sequence number"))?;
    let hash = hash.trim().to_ascii_lowercase();
    if hash.len() != 64 || !hash.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        return Err("the hash must be 64 hexadecimal digits".into());
    }
    Ok(Anchor { sequence, hash })
}

#[derive(Debug, Args)]
pub struct HeadArgs {
    /// Read the database itself (a SQLite file or postgres:// URL) instead of asking the server.
    #[arg(long, value_name = "URL")]
    database: Option<String>,
}

pub fn run(ctx: &Ctx, command: AuditCommand) -> CliResult<()> {
    match command {
        AuditCommand::Export(args) => export(ctx, args),
        AuditCommand::Verify(args) => verify(ctx, args),
        AuditCommand::Head(args) => head(ctx, args),
    }
}

fn export(ctx: &Ctx, args: ExportArgs) -> CliResult<()> {
    let range = ExportRange {
        since: args.since,
        until: args.until,
    };
    let mut out = BufWriter::new(std::io::stdout().lock());
    match &args.database {
        None => {
            let mut query = Vec::new();
            for (name, at) in [("since", range.since), ("until", range.until)] {
                if let Some(at) = at {
                    query.push((name, rfc3339(at)));
                }
            }
            ctx.client()?.download(EXPORT_PATH, &query, &mut out)?;
        }
        Some(database) => {
            let (runtime, store) = open(database)?;
            let lines = runtime
                .block_on(export_lines(store, range, Utc::now()))
                .map_err(|error| read_error(database, &error))?;
            let mut lines = Box::pin(lines);
            while let Some(line) = runtime.block_on(lines.next()) {
                let line = line.map_err(|error| read_error(database, &error))?;
                out.write_all(line.as_bytes()).map_err(write_error)?;
            }
        }
    }
    out.flush().map_err(write_error)
}

fn verify(ctx: &Ctx, args: VerifyArgs) -> CliResult<()> {
    let anchor = args.anchor.as_ref();
    let (verdict, source) = match (&args.source.file, &args.source.database) {
        (Some(file), _) => (verify_file(file, anchor)?, file.display().to_string()),
        (None, Some(database)) => (verify_database(database, anchor)?, redacted(database)),
        (None, None) => return Err(CliError::Usage("give --file or --database".into())),
    };
    match verdict {
        Ok(chain) => {
            if ctx.out.is_json() {
                ctx.out.json(&json!({
                    "verified": true,
                    "events": chain.events,
                    "first": chain.first,
                    "head": chain.last.as_ref().map(head_json),
                }));
            } else {
                let span = match (chain.first, &chain.last) {
                    (Some(first), Some(last)) => format!(
                        "{} events, {first} to {}; its head is event {} with hash {} at {}",
                        chain.events,
                        last.sequence,
                        last.sequence,
                        last.hash,
                        rfc3339(last.at)
                    ),
                    _ => "no events".into(),
                };
                ctx.out
                    .line(&format!("The audit chain of {source} verifies: {span}."));
            }
            Ok(())
        }
        Err(broken) => {
            if ctx.out.is_json() {
                ctx.out.json(&json!({
                    "verified": false,
                    "sequence": broken.sequence(),
                    "problem": broken.kind(),
                    "message": broken.to_string(),
                }));
            }
            Err(CliError::local(
                format!(
                    "The audit chain of {source} is broken at event {}: {broken}.",
                    broken.sequence()
                ),
                Some(
                    "Compare with a backup or an earlier export; the events before it verify."
                        .into(),
                ),
            ))
        }
    }
}

/// The verdict on an export: each event in order, then the head its header names.
fn verify_file(
    path: &Path,
    anchor: Option<&Anchor>,
) -> CliResult<Result<VerifiedChainOf, ChainBreak>> {
    let shown = path.display();
    let file = File::open(path)
        .map_err(|error| CliError::Other(format!("Cannot read {shown}: {error}")))?;
    let mut lines = BufReader::new(file).lines();
    let first = lines
        .next()
        .transpose()
        .map_err(|error| CliError::Other(format!("Cannot read {shown}: {error}")))?;
    let header: ExportHeader = first
        .and_then(|line| serde_json::from_str(&line).ok())
        .ok_or_else(|| {
            CliError::Other(format!(
                "{shown} is not an export of `stint audit export`: its first line is not the header."
            ))
        })?;
    let events = lines.enumerate().map(|(index, line)| {
        let number = index + 2;
        let line =
            line.map_err(|error| format!("Cannot read line {number} of {shown}: {error}"))?;
        serde_json::from_str::<AuditEvent>(&line)
            .map_err(|error| format!("Line {number} of {shown} is not an audit event: {error}"))
    });
    let start = if header.since.is_some() {
        ChainStart::FirstGiven
    } else {
        ChainStart::Genesis
    };
    let complete = header.until.is_none();
    let mut anchored = Anchored::new(anchor);
    let verified = verify_chain(events.inspect(|event| anchored.see(event)), start);
    judge(verified, header.head.as_ref(), complete, &anchored).map_err(CliError::Other)
}

/// The verdict on a database's chain, read a page at a time up to the head it has now.
fn verify_database(
    database: &str,
    anchor: Option<&Anchor>,
) -> CliResult<Result<VerifiedChainOf, ChainBreak>> {
    let (runtime, store) = open(database)?;
    let head = runtime
        .block_on(chain_head(store.as_ref()))
        .map_err(|error| read_error(database, &error))?;
    let up_to = head.as_ref().map_or(0, |head| head.sequence);
    let pages = runtime
        .block_on(ChainPages::open(store, ExportRange::default(), up_to))
        .map_err(|error| read_error(database, &error))?;
    let events = PagedEvents {
        runtime: &runtime,
        pages,
        buffer: VecDeque::new(),
    };
    let mut anchored = Anchored::new(anchor);
    let verified = verify_chain(
        events.inspect(|event| anchored.see(event)),
        ChainStart::Genesis,
    );
    judge(verified, head.as_ref(), true, &anchored).map_err(|error| read_error(database, &error))
}

type VerifiedChainOf = stint_core::audit::VerifiedChain;

/// The chain's verdict, given the head it should end at; an error reading the events is no
/// verdict.
fn judge<E>(
    verified: Result<VerifiedChainOf, VerifyError<E>>,
    head: Option<&ChainHead>,
    complete: bool,
    anchored: &Anchored,
) -> Result<Result<VerifiedChainOf, ChainBreak>, E> {
    let chain = match verified {
        Ok(chain) => chain,
        Err(VerifyError::Broken(broken)) => return Ok(Err(broken)),
        Err(VerifyError::Source(error)) => return Err(error),
    };
    let ends = match (head, chain.first) {
        (Some(head), _) => chain.ends_at(head, complete),
        // Events where the header says the chain was empty were added since.
        (None, Some(first)) => Err(ChainBreak::Inserted { sequence: first }),
        (None, None) => Ok(()),
    };
    Ok(ends.and_then(|()| anchored.judge(&chain)).map(|()| chain))
}

/// What the chain held at an anchor's sequence.
struct Anchored<'a> {
    anchor: Option<&'a Anchor>,
    seen: Option<String>,
}

impl<'a> Anchored<'a> {
    fn new(anchor: Option<&'a Anchor>) -> Self {
        Anchored { anchor, seen: None }
    }

    fn see(&mut self, event: &Result<AuditEvent, impl Sized>) {
        if let (Some(anchor), Ok(event)) = (self.anchor, event) {
            if event.sequence == anchor.sequence {
                self.seen = Some(event.hash.clone());
            }
        }
    }

    /// The anchored event must be in the verified chain, with the anchored hash.
    fn judge(&self, chain: &VerifiedChainOf) -> Result<(), ChainBreak> {
        let Some(anchor) = self.anchor else {
            return Ok(());
        };
        match &self.seen {
            None if chain.first.is_some_and(|first| first > anchor.sequence) => {
                Err(ChainBreak::Missing {
                    from: anchor.sequence,
                    before: chain.first.unwrap_or_default(),
                })
            }
            Some(hash) if *hash == anchor.hash => Ok(()),
            Some(_) => Err(ChainBreak::NotTheHead {
                sequence: anchor.sequence,
            }),
            None => Err(ChainBreak::Truncated {
                last: chain.last.as_ref().map(|last| last.sequence),
                head: anchor.sequence,
            }),
        }
    }
}

/// A store's chain as an iterator of events, a page read at a time.
struct PagedEvents<'r> {
    runtime: &'r Runtime,
    pages: ChainPages,
    buffer: VecDeque<AuditEvent>,
}

impl Iterator for PagedEvents<'_> {
    type Item = Result<AuditEvent, StoreError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.buffer.is_empty() {
            match self.runtime.block_on(self.pages.next_page()) {
                Ok(Some(page)) => self.buffer.extend(page),
                Ok(None) => return None,
                Err(error) => return Some(Err(error)),
            }
        }
        self.buffer.pop_front().map(Ok)
    }
}

fn head(ctx: &Ctx, args: HeadArgs) -> CliResult<()> {
    let head = match &args.database {
        Some(database) => {
            let (runtime, store) = open(database)?;
            runtime
                .block_on(chain_head(store.as_ref()))
                .map_err(|error| read_error(database, &error))?
        }
        None => head_over_http(ctx)?,
    };
    if ctx.out.is_json() {
        ctx.out.json(&head.as_ref().map_or(Value::Null, head_json));
    } else {
        match head {
            Some(head) => ctx.out.line(&format!(
                "The audit chain's head is event {} at {}.\nRecord it elsewhere; check it later with --anchor {}:{}",
                head.sequence,
                rfc3339(head.at),
                head.sequence,
                head.hash
            )),
            None => ctx.out.line("The audit chain is empty."),
        }
    }
    Ok(())
}

/// The head named by the header of an export of nothing (from the end of time).
fn head_over_http(ctx: &Ctx) -> CliResult<Option<ChainHead>> {
    let mut body = Vec::new();
    let query = [("since", "9999-12-31T23:59:59Z".to_string())];
    ctx.client()?.download(EXPORT_PATH, &query, &mut body)?;
    let header = body
        .split(|byte| *byte == b'\n')
        .next()
        .and_then(|line| serde_json::from_slice::<ExportHeader>(line).ok())
        .ok_or_else(|| CliError::Other("The server's export has no header line.".into()))?;
    Ok(header.head)
}

fn head_json(head: &ChainHead) -> Value {
    json!({ "sequence": head.sequence, "hash": head.hash, "at": rfc3339(head.at) })
}

/// A runtime and the store at `database`, opened to read: never created, never migrated.
fn open(database: &str) -> CliResult<(Runtime, Arc<dyn Store>)> {
    if !is_postgres(database) && !database_file(database).is_some_and(|file| file.is_file()) {
        return Err(CliError::Other(format!(
            "There is no SQLite database at {database}."
        )));
    }
    let runtime = Runtime::new()
        .map_err(|error| CliError::Other(format!("Cannot start the async runtime: {error}")))?;
    let store = runtime
        .block_on(open_store(database, false))
        .map_err(|error| read_error(database, &error))?;
    Ok((runtime, store))
}

fn read_error(database: &str, error: &impl std::fmt::Display) -> CliError {
    CliError::Other(format!(
        "Cannot read the audit chain of {}: {error}",
        redacted(database)
    ))
}

fn write_error(error: std::io::Error) -> CliError {
    CliError::Other(format!("Cannot write the export: {error}"))
}
