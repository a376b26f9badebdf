//! A read-only reader of the SQLite database file format
//! (<https://www.sqlite.org/fileformat2.html>) for the few rows clawwatch
//! reads from OpenClaw's stores, used before SQLite itself.
//!
//! Why: before its first statement SQLite parses every `CREATE` statement in
//! the schema. OpenClaw's first run migrates `state/openclaw.sqlite` to ~105
//! tables and 328 schema entries, and parsing them was 6.7 M of the 7.6 M
//! instructions of a whole `clawwatch check` (callgrind). This reader looks up
//! one schema row, reads the column list of that one `CREATE TABLE`, and scans
//! that table's B-tree.
//!
//! It answers only when it is sure. Anything it does not fully understand (a
//! hot journal, a WAL without its -shm, a bad checksum, an unexpected page
//! type, a WITHOUT ROWID, generated or collated column, a non-text value, a
//! duplicate key, a short read) gives `None`, and the caller asks SQLite, whose
//! answer and messages are then the ones the user sees. A verdict never
//! depends on this reader being able to read a file.
//!
//! Consistency without SQLite, the way SQLite gets it:
//! - it holds SQLite's SHARED lock on the database file while it reads (the
//!   unix VFS's fcntl read lock on the shared byte range, taken through the
//!   PENDING byte), so no rollback-journal writer can commit and no closing
//!   connection can checkpoint and delete the WAL under it;
//! - it refuses to read beside a non-empty rollback journal;
//! - it reads a WAL as SQLite's recovery does: frames whose salts and
//!   cumulative checksums are valid, up to the last commit frame; a page's
//!   newest such frame wins over the database file;
//! - at the end it re-reads the WAL header and both files' sizes and times,
//!   and the database header: if a transaction was appended or a checkpoint
//!   restarted the log meanwhile, it returns `None` rather than mix two states.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};

/// One lookup: the rows of `table` whose `key` column is one of `keys`,
/// with their `value` column, as `SELECT key, value FROM table WHERE key IN
/// (keys)` would return them.
pub struct Query<'a> {
    pub table: &'a str,
    pub key: &'a str,
    pub value: &'a str,
    pub keys: &'a [&'a str],
}

#[derive(Debug, PartialEq, Eq)]
pub enum Lookup {
    /// The schema has no table of that name.
    NoTable,
    /// (key, value) of each matching row, in B-tree (rowid) order.
    Rows(Vec<(String, String)>),
}

/// Run `queries` on one consistent view of the database at `path`; `None`
/// when this reader cannot be sure of the answer (ask SQLite).
pub fn read(path: &Path, queries: &[Query]) -> Option<Vec<Lookup>> {
    // Only a regular file: opening a FIFO would block.
    if !std::fs::metadata(path).ok()?.is_file() {
        return None;
    }
    let file = File::open(path).ok()?;
    let _lock = SharedLock::acquire(&file)?;
    let before = Stamp::take(path, &file)?;
    let db = Db::open(file, path, &before)?;
    let schema = db.schema(queries)?;
    let out = queries
        .iter()
        .zip(&schema)
        .map(|(q, t)| match t {
            None => Some(Lookup::NoTable),
            Some(t) => db.lookup(t, q).map(Lookup::Rows),
        })
        .collect::<Option<Vec<_>>>()?;
    let after = Stamp::take(path, &db.file)?;
    (before == after).then_some(out)
}

/// SQLite's SHARED lock (os_unix.c): a read lock on the PENDING byte while
/// a read lock on the 510-byte shared range is taken, so a writer already
/// waiting for EXCLUSIVE is not starved. Released when the file is closed
/// (open-file-description locks on Linux, so closing some other descriptor
/// of the same file in this process does not drop it).
struct SharedLock;

const PENDING_BYTE: i64 = 0x4000_0000;
const SHARED_FIRST: i64 = PENDING_BYTE + 2;
const SHARED_SIZE: i64 = 510;

#[cfg(any(target_os = "linux", target_os = "android"))]
const SETLK: libc::c_int = libc::F_OFD_SETLK;
#[cfg(not(any(target_os = "linux", target_os = "android")))]
const SETLK: libc::c_int = libc::F_SETLK;

fn fcntl_lock(file: &File, kind: libc::c_int, start: i64, len: i64) -> bool {
    // SAFETY: flock is plain data; zeroed is a valid value (l_pid must be 0
    // for open-file-description locks).
    let mut fl: libc::flock = unsafe { std::mem::zeroed() };
    fl.l_type = kind as _;
    fl.l_whence = libc::SEEK_SET as _;
    fl.l_start = start as _;
    fl.l_len = len as _;
    // SAFETY: a valid descriptor and a valid flock for the call's duration.
    unsafe { libc::fcntl(file.as_raw_fd(), SETLK, &fl) == 0 }
}

impl SharedLock {
    fn acquire(file: &File) -> Option<SharedLock> {
        if !fcntl_lock(file, libc::F_RDLCK as _, PENDING_BYTE, 1) {
            return None;
        }
        let shared = fcntl_lock(file, libc::F_RDLCK as _, SHARED_FIRST, SHARED_SIZE);
        fcntl_lock(file, libc::F_UNLCK as _, PENDING_BYTE, 1);
        shared.then_some(SharedLock)
    }
}

/// What must not change while we read: the database file, its WAL (and the
/// WAL's header), whether -shm exists; and no rollback journal with content.
#[derive(PartialEq, Eq)]
struct Stamp {
    db: FileStamp,
    db_header: [u8; 100],
    wal: Option<(FileStamp, [u8; 32])>,
    shm: bool,
}

#[derive(PartialEq, Eq)]
struct FileStamp {
    dev: u64,
    ino: u64,
    len: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

impl FileStamp {
    fn of(m: &std::fs::Metadata) -> FileStamp {
        FileStamp {
            dev: m.dev(),
            ino: m.ino(),
            len: m.len(),
            mtime: (m.mtime(), m.mtime_nsec()),
            ctime: (m.ctime(), m.ctime_nsec()),
        }
    }
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// Metadata of `path`; `Some(None)` when it does not exist, `None` when it
/// cannot be told.
fn meta_if_exists(path: &Path) -> Option<Option<std::fs::Metadata>> {
    match std::fs::metadata(path) {
        Ok(m) => Some(Some(m)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Some(None),
        Err(_) => None,
    }
}

impl Stamp {
    fn take(path: &Path, file: &File) -> Option<Stamp> {
        let m = file.metadata().ok()?;
        if !m.is_file() {
            return None;
        }
        // The path must still name the file we hold.
        let by_path = std::fs::metadata(path).ok()?;
        if (by_path.dev(), by_path.ino()) != (m.dev(), m.ino()) {
            return None;
        }
        if let Some(j) = meta_if_exists(&sibling(path, "-journal"))?
            && j.len() > 0
        {
            return None;
        }
        let mut db_header = [0u8; 100];
        file.read_exact_at(&mut db_header, 0).ok()?;
        let wal = match meta_if_exists(&sibling(path, "-wal"))? {
            None => None,
            Some(w) => {
                let mut header = [0u8; 32];
                if w.len() > 0 {
                    File::open(sibling(path, "-wal"))
                        .ok()?
                        .read_exact_at(&mut header, 0)
                        .ok()?;
                }
                Some((FileStamp::of(&w), header))
            }
        };
        let shm = meta_if_exists(&sibling(path, "-shm"))?.is_some();
        Some(Stamp {
            db: FileStamp::of(&m),
            db_header,
            wal,
            shm,
        })
    }
}

fn be16(b: &[u8], at: usize) -> Option<usize> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?) as usize)
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// SQLite's variable-length integer: (value, bytes used).
fn varint(b: &[u8]) -> Option<(u64, usize)> {
    let mut v: u64 = 0;
    for i in 0..9 {
        let c = *b.get(i)?;
        if i == 8 {
            return Some(((v << 8) | u64::from(c), 9));
        }
        v = (v << 7) | u64::from(c & 0x7f);
        if c & 0x80 == 0 {
            return Some((v, i + 1));
        }
    }
    None
}

/// The committed frames of a WAL: where each page's newest frame is.
struct Wal {
    buf: Vec<u8>,
    /// Page number -> offset of its newest committed image in `buf`.
    pages: HashMap<u32, usize>,
    /// Database size in pages after the last commit.
    n_pages: u32,
    page_size: usize,
}

const WAL_MAGIC: u32 = 0x377f_0682;
const WAL_VERSION: u32 = 3_007_000;

/// The WAL checksum (wal.c walChecksumBytes): pairs of 32-bit words, big-
/// or little-endian as the header's magic says. The byte order is chosen
/// once, outside the loop: this runs over every byte of the log.
fn wal_checksum(big_endian: bool, data: &[u8], sum: (u32, u32)) -> (u32, u32) {
    if big_endian {
        sum_words(data, sum, u32::from_be_bytes)
    } else {
        sum_words(data, sum, u32::from_le_bytes)
    }
}

#[inline(always)]
fn sum_words(data: &[u8], (mut s1, mut s2): (u32, u32), word: fn([u8; 4]) -> u32) -> (u32, u32) {
    for &[a0, a1, a2, a3, b0, b1, b2, b3] in data.as_chunks::<8>().0 {
        s1 = s1.wrapping_add(word([a0, a1, a2, a3])).wrapping_add(s2);
        s2 = s2.wrapping_add(word([b0, b1, b2, b3])).wrapping_add(s1);
    }
    (s1, s2)
}

fn valid_page_size(n: usize) -> bool {
    (512..=65536).contains(&n) && n.is_power_of_two()
}

impl Wal {
    /// Parse a WAL as recovery does. `Some(None)`: a WAL with no committed
    /// frame. `None`: a header this reader does not trust.
    fn parse(buf: Vec<u8>) -> Option<Option<Wal>> {
        if buf.is_empty() {
            return Some(None);
        }
        let magic = be32(&buf, 0)?;
        if magic & !1 != WAL_MAGIC || be32(&buf, 4)? != WAL_VERSION {
            return None;
        }
        let big_endian = magic & 1 == 1;
        let page_size = be32(&buf, 8)? as usize;
        if !valid_page_size(page_size) {
            return None;
        }
        let header = buf.get(..32)?;
        let mut sum = wal_checksum(big_endian, &header[..24], (0, 0));
        if sum != (be32(header, 24)?, be32(header, 28)?) {
            return None;
        }
        let salt = header.get(16..24)?.to_vec();
        let frame = 24 + page_size;
        let (mut pages, mut pending) = (HashMap::new(), Vec::new());
        let mut n_pages = 0;
        let mut at = 32;
        while let Some(f) = buf.get(at..at + frame) {
            let pgno = be32(f, 0)?;
            let commit = be32(f, 4)?;
            if pgno == 0 || f.get(8..16)? != salt.as_slice() {
                break;
            }
            sum = wal_checksum(big_endian, &f[..8], sum);
            sum = wal_checksum(big_endian, &f[24..], sum);
            if sum != (be32(f, 16)?, be32(f, 20)?) {
                break;
            }
            pending.push((pgno, at + 24));
            if commit != 0 {
                pages.extend(pending.drain(..));
                n_pages = commit;
            }
            at += frame;
        }
        if n_pages == 0 {
            return Some(None);
        }
        Some(Some(Wal {
            buf,
            pages,
            n_pages,
            page_size,
        }))
    }
}

struct Db {
    file: File,
    page_size: usize,
    /// Page size less the reserved bytes at the end of each page.
    usable: usize,
    n_pages: u32,
    wal: Option<Wal>,
}

/// A table found in the schema: its root page and `CREATE TABLE` text.
struct TableDef {
    root: u32,
    sql: String,
}

/// A cell's payload: the bytes on the page and where the rest continues.
struct Payload<'p> {
    local: &'p [u8],
    total: usize,
    overflow: u32,
}

impl Db {
    fn open(file: File, path: &Path, stamp: &Stamp) -> Option<Db> {
        let wal = match &stamp.wal {
            // A WAL without its -shm: SQLite refuses a read-only open there,
            // so this reader does not guess.
            Some(_) if !stamp.shm => return None,
            Some((w, _)) if w.len > 0 => {
                let buf = std::fs::read(sibling(path, "-wal")).ok()?;
                if buf.len() as u64 != w.len {
                    return None;
                }
                Wal::parse(buf)?
            }
            _ => None,
        };
        if stamp.db.len == 0 {
            return None;
        }
        let mut db = Db {
            file,
            page_size: 0,
            usable: 0,
            n_pages: 1,
            wal,
        };
        db.page_size = match &db.wal {
            Some(w) => w.page_size,
            None => match be16(&stamp.db_header, 16)? {
                1 => 65536,
                n => n,
            },
        };
        if !valid_page_size(db.page_size) {
            return None;
        }
        let page1 = db.page(1)?;
        let h: [u8; 100] = page1.get(..100)?.try_into().ok()?;
        drop(page1);
        let h = &h[..];
        let size_in_header = match be16(h, 16)? {
            1 => 65536,
            n => n,
        };
        // UTF-8 text only; schema formats 1-4; the read and write versions
        // say rollback (1) or WAL (2).
        if h.get(..16)? != b"SQLite format 3\0"
            || size_in_header != db.page_size
            || be32(h, 56)? != 1
            || !(1..=4).contains(&be32(h, 44)?)
            || !matches!((h[18], h[19]), (1, 1) | (2, 2))
        {
            return None;
        }
        let reserved = h[20] as usize;
        db.usable = db.page_size.checked_sub(reserved)?;
        if db.usable < 480 {
            return None;
        }
        let wal_mode = h[18] == 2;
        let from_header = be32(h, 28)?;
        let header_valid = from_header > 0 && be32(h, 24)? == be32(h, 92)?;
        db.n_pages = match &db.wal {
            // SQLite reads a WAL beside a rollback-mode header too; this
            // reader does not.
            Some(_) if !wal_mode => return None,
            Some(w) => w.n_pages,
            None => {
                let from_len = u32::try_from(stamp.db.len / db.page_size as u64).ok()?;
                if !stamp.db.len.is_multiple_of(db.page_size as u64)
                    || (header_valid && from_header != from_len)
                {
                    return None;
                }
                from_len
            }
        };
        Some(db)
    }

    fn page(&self, pgno: u32) -> Option<Cow<'_, [u8]>> {
        if pgno == 0 || pgno > self.n_pages.max(1) {
            return None;
        }
        if let Some(w) = &self.wal
            && let Some(&at) = w.pages.get(&pgno)
        {
            return w.buf.get(at..at + self.page_size).map(Cow::Borrowed);
        }
        let mut v = vec![0; self.page_size];
        let at = u64::from(pgno - 1) * self.page_size as u64;
        self.file.read_exact_at(&mut v, at).ok()?;
        Some(Cow::Owned(v))
    }

    /// Every row payload of the table B-tree rooted at `root`, in order.
    fn scan(&self, root: u32, f: &mut dyn FnMut(&Payload) -> Option<()>) -> Option<()> {
        // A set, not a bitmap of n_pages: a damaged header or commit frame
        // may claim billions of pages.
        let mut seen = HashSet::new();
        let mut stack = vec![(root, 0usize)];
        while let Some((pgno, depth)) = stack.pop() {
            if !seen.insert(pgno) || depth > 40 {
                return None;
            }
            let page = self.page(pgno)?;
            let hdr = if pgno == 1 { 100 } else { 0 };
            let kind = *page.get(hdr)?;
            let cells = be16(&page, hdr + 3)?;
            match kind {
                // Interior table page: children left to right, then the
                // right-most pointer; pushed in reverse so they pop in order.
                0x05 => {
                    stack.push((be32(&page, hdr + 8)?, depth + 1));
                    for i in (0..cells).rev() {
                        let at = be16(&page, hdr + 12 + 2 * i)?;
                        stack.push((be32(&page, at)?, depth + 1));
                    }
                }
                0x0d => {
                    for i in 0..cells {
                        let at = be16(&page, hdr + 8 + 2 * i)?;
                        let payload = self.leaf_cell(&page, at)?;
                        f(&payload)?;
                    }
                }
                _ => return None,
            }
        }
        Some(())
    }

    /// A table leaf cell: payload size, rowid, local payload, and the first
    /// overflow page when the payload does not fit (fileformat2 §1.6).
    fn leaf_cell<'p>(&self, page: &'p [u8], at: usize) -> Option<Payload<'p>> {
        let (total, n) = varint(page.get(at..)?)?;
        let (_rowid, m) = varint(page.get(at + n..)?)?;
        // SQLite's own limit on a value (SQLITE_MAX_LENGTH); larger is damage.
        let total = usize::try_from(total)
            .ok()
            .filter(|t| *t <= 1_000_000_000)?;
        let start = at + n + m;
        let u = self.usable;
        let x = u - 35;
        let local = if total <= x {
            total
        } else {
            let min = (u - 12) * 32 / 255 - 23;
            let k = min + (total - min) % (u - 4);
            if k <= x { k } else { min }
        };
        let overflow = if local < total {
            be32(page, start + local)?
        } else {
            0
        };
        Some(Payload {
            local: page.get(start..start + local)?,
            total,
            overflow,
        })
    }

    /// The whole payload, following its overflow chain.
    fn full<'p>(&self, p: &Payload<'p>) -> Option<Cow<'p, [u8]>> {
        if p.local.len() == p.total {
            return Some(Cow::Borrowed(p.local));
        }
        let mut out = Vec::with_capacity(p.total.min(1 << 20));
        out.extend_from_slice(p.local);
        let mut next = p.overflow;
        let mut hops = 0u32;
        while out.len() < p.total {
            hops += 1;
            if next == 0 || hops > self.n_pages {
                return None;
            }
            let page = self.page(next)?;
            let take = (p.total - out.len()).min(self.usable - 4);
            out.extend_from_slice(page.get(4..4 + take)?);
            next = be32(&page, 0)?;
        }
        Some(Cow::Owned(out))
    }

    /// The tables `queries` name, looked up in sqlite_schema (case-blind, as
    /// SQL names are). A name held by anything but a plain table: `None`.
    fn schema(&self, queries: &[Query]) -> Option<Vec<Option<TableDef>>> {
        let mut found: Vec<Option<TableDef>> = queries.iter().map(|_| None).collect();
        self.scan(1, &mut |p| {
            let rec = self.full(p)?;
            let cols = Record::parse(&rec)?;
            let Value::Text(name) = cols.get(1)? else {
                return Some(());
            };
            for (q, slot) in queries.iter().zip(found.iter_mut()) {
                if !name.eq_ignore_ascii_case(q.table.as_bytes()) {
                    continue;
                }
                let (Value::Text(b"table"), Value::Int(root), Value::Text(sql)) =
                    (cols.first()?, cols.get(3)?, cols.get(4)?)
                else {
                    return None;
                };
                if slot.is_some() {
                    return None;
                }
                *slot = Some(TableDef {
                    root: u32::try_from(*root).ok().filter(|r| *r > 0)?,
                    sql: std::str::from_utf8(sql).ok()?.to_string(),
                });
            }
            Some(())
        })?;
        Some(found)
    }

    fn lookup(&self, t: &TableDef, q: &Query) -> Option<Vec<(String, String)>> {
        let columns = table_columns(&t.sql)?;
        let find = |name: &str| {
            columns
                .iter()
                .position(|c| c.name.eq_ignore_ascii_case(name))
        };
        let (ki, vi) = (find(q.key)?, find(q.value)?);
        for c in [&columns[ki], &columns[vi]] {
            // An INTEGER PRIMARY KEY column is the rowid, not in the record;
            // a collation changes what `=` means.
            if c.integer || c.collate {
                return None;
            }
        }
        let mut rows: Vec<(String, String)> = Vec::new();
        self.scan(t.root, &mut |p| {
            let rec = self.full(p)?;
            let cols = Record::parse(&rec)?;
            // A record shorter than the table (ALTER TABLE ADD COLUMN): the
            // missing value is the column's default, which we do not read.
            let (key, value) = (cols.get(ki)?, cols.get(vi)?);
            let Value::Text(key) = key else {
                return Some(());
            };
            if !q.keys.iter().any(|k| k.as_bytes() == *key) {
                return Some(());
            }
            let Value::Text(value) = value else {
                return None;
            };
            let key = std::str::from_utf8(key).ok()?;
            if rows.iter().any(|(k, _)| k == key) {
                return None;
            }
            rows.push((
                key.to_string(),
                std::str::from_utf8(value).ok()?.to_string(),
            ));
            Some(())
        })?;
        Some(rows)
    }
}

#[derive(Debug, PartialEq)]
enum Value<'r> {
    Null,
    Int(i64),
    Float,
    Blob,
    Text(&'r [u8]),
}

/// A record's columns (fileformat2 §2.1).
struct Record;

impl Record {
    fn parse(rec: &[u8]) -> Option<Vec<Value<'_>>> {
        let (header_len, mut at) = varint(rec)?;
        let header_len = usize::try_from(header_len).ok()?;
        if header_len > rec.len() || header_len < at {
            return None;
        }
        let mut body = header_len;
        let mut out = Vec::new();
        while at < header_len {
            let (t, n) = varint(rec.get(at..header_len)?)?;
            at += n;
            let len = match t {
                0 | 8 | 9 => 0,
                1..=4 => t as usize,
                5 => 6,
                6 | 7 => 8,
                10 | 11 => return None,
                _ => usize::try_from((t - 12) / 2).ok()?,
            };
            let bytes = rec.get(body..body.checked_add(len)?)?;
            body += len;
            out.push(match t {
                0 => Value::Null,
                8 => Value::Int(0),
                9 => Value::Int(1),
                1..=6 => {
                    let mut v: i64 = if bytes[0] & 0x80 != 0 { -1 } else { 0 };
                    for b in bytes {
                        v = (v << 8) | i64::from(*b);
                    }
                    Value::Int(v)
                }
                7 => Value::Float,
                t if t % 2 == 0 => Value::Blob,
                _ => Value::Text(bytes),
            });
        }
        Some(out)
    }
}

struct Column {
    name: String,
    /// Declared with a type naming INT (it may be the rowid alias).
    integer: bool,
    collate: bool,
}

/// The stored columns of a `CREATE TABLE name (...)` statement, in record
/// order. `None` for anything else: `AS SELECT`, WITHOUT ROWID, generated
/// columns, or text this small scanner does not follow.
fn table_columns(sql: &str) -> Option<Vec<Column>> {
    // A comment may hold commas and words; SQLite keeps it in the text.
    if sql.contains("--") || sql.contains("/*") {
        return None;
    }
    let parts = split_columns(sql)?;
    let mut out = Vec::new();
    let mut constraints = false;
    for part in parts {
        let words = words(&part)?;
        let (first, quoted) = words.first()?;
        let upper: Vec<String> = words.iter().map(|(w, _)| w.to_ascii_uppercase()).collect();
        if !quoted
            && matches!(
                upper[0].as_str(),
                "CONSTRAINT" | "PRIMARY" | "UNIQUE" | "CHECK" | "FOREIGN"
            )
        {
            constraints = true;
            continue;
        }
        if constraints || upper.iter().any(|w| w == "GENERATED" || w == "AS") {
            return None;
        }
        out.push(Column {
            name: first.clone(),
            integer: upper.get(1).is_some_and(|t| t.contains("INT")),
            collate: upper.iter().any(|w| w == "COLLATE"),
        });
    }
    (!out.is_empty()).then_some(out)
}

/// The comma-separated parts inside the statement's first top-level
/// parentheses; the text after them may only be table options we know.
fn split_columns(sql: &str) -> Option<Vec<String>> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut depth = 0usize;
    let mut chars = sql.chars();
    let mut tail = None;
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' | '`' | '[' => {
                let close = if c == '[' { ']' } else { c };
                if depth > 0 {
                    cur.push(c);
                }
                loop {
                    let d = chars.next()?;
                    if depth > 0 {
                        cur.push(d);
                    }
                    if d == close {
                        break;
                    }
                }
            }
            '(' => {
                if depth > 0 {
                    cur.push(c);
                }
                depth += 1;
            }
            ')' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    parts.push(std::mem::take(&mut cur));
                    tail = Some(chars.as_str());
                    break;
                }
                cur.push(c);
            }
            ',' if depth == 1 => parts.push(std::mem::take(&mut cur)),
            _ if depth > 0 => cur.push(c),
            _ => {}
        }
    }
    let tail = tail?.to_ascii_uppercase();
    let known = tail
        .split(|c: char| c == ',' || c.is_whitespace())
        .all(|w| w.is_empty() || w == "STRICT");
    known.then_some(parts)
}

/// The words of a column definition outside parentheses: identifiers and
/// keywords, quoted names unquoted (flagged), strings skipped.
fn words(part: &str) -> Option<Vec<(String, bool)>> {
    let is_word = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut chars = part.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' | '`' | '[' | '\'' => {
                let close = if c == '[' { ']' } else { c };
                let mut w = String::new();
                loop {
                    let d = chars.next()?;
                    if d == close {
                        // A doubled quote stands for itself.
                        if close != ']' && chars.peek() == Some(&close) {
                            chars.next();
                            w.push(d);
                            continue;
                        }
                        break;
                    }
                    w.push(d);
                }
                if c != '\'' && depth == 0 {
                    out.push((w, true));
                }
            }
            '(' => depth += 1,
            ')' => depth = depth.checked_sub(1)?,
            c if is_word(c) => {
                let mut w = c.to_string();
                while let Some(&d) = chars.peek().filter(|d| is_word(**d)) {
                    w.push(d);
                    chars.next();
                }
                if depth == 0 {
                    out.push((w, false));
                }
            }
            _ => {}
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::Connection;

    const KEYS: [&str; 3] = ["a", "b", "c"];

    fn query(keys: &'static [&'static str]) -> Query<'static> {
        Query {
            table: "kv",
            key: "k",
            value: "v",
            keys,
        }
    }

    /// What SQLite itself returns for the same lookup.
    fn by_sqlite(path: &Path) -> Lookup {
        let c =
            Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
        let mut stmt =
            match c.prepare("SELECT k, v FROM kv WHERE k IN ('a', 'b', 'c') ORDER BY rowid") {
                Ok(s) => s,
                Err(_) => return Lookup::NoTable,
            };
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        Lookup::Rows(rows)
    }

    fn fast(path: &Path) -> Option<Lookup> {
        read(path, &[query(&KEYS)]).map(|mut v| v.remove(0))
    }

    struct Shape {
        page_size: u32,
        reserved: i32,
        wal: bool,
        value_len: usize,
        filler_rows: usize,
        filler_tables: usize,
    }

    /// A database of `shape`; the returned connection keeps a WAL alive.
    fn build(path: &Path, s: &Shape) -> Connection {
        let c = Connection::open(path).unwrap();
        c.execute_batch(&format!("PRAGMA page_size = {};", s.page_size))
            .unwrap();
        if s.reserved > 0 {
            let mut n: std::ffi::c_int = s.reserved;
            // SAFETY: a live connection handle and a pointer to an int, as
            // SQLITE_FCNTL_RESERVE_BYTES takes.
            let rc = unsafe {
                rusqlite::ffi::sqlite3_file_control(
                    c.handle(),
                    c"main".as_ptr(),
                    rusqlite::ffi::SQLITE_FCNTL_RESERVE_BYTES,
                    (&mut n as *mut std::ffi::c_int).cast(),
                )
            };
            assert_eq!(rc, 0);
        }
        if s.wal {
            c.execute_batch("PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0;")
                .unwrap();
        }
        let mut sql = String::from("BEGIN;");
        for i in 0..s.filler_tables {
            sql += &format!(
                "CREATE TABLE filler_{i} (id INTEGER PRIMARY KEY, body TEXT NOT NULL, note TEXT DEFAULT 'x, y'); CREATE INDEX filler_{i}_body ON filler_{i}(body);"
            );
        }
        sql += "CREATE TABLE \"KV\" (k TEXT NOT NULL PRIMARY KEY, v TEXT NOT NULL, updated INTEGER NOT NULL DEFAULT (0), CHECK (length(k) > 0)) STRICT; COMMIT;";
        c.execute_batch(&sql).unwrap();
        let filler = "f".repeat(300);
        for i in 0..s.filler_rows {
            c.execute(
                "INSERT INTO kv (k, v) VALUES (?1, ?2)",
                (format!("filler{i}"), &filler),
            )
            .unwrap();
            if i == s.filler_rows / 2 {
                let v = format!("{{\"a\":\"{}\"}}", "a".repeat(s.value_len));
                c.execute("INSERT INTO kv (k, v) VALUES ('a', ?1)", [v])
                    .unwrap();
            }
        }
        if s.filler_rows == 0 {
            let v = format!("{{\"a\":\"{}\"}}", "a".repeat(s.value_len));
            c.execute("INSERT INTO kv (k, v) VALUES ('a', ?1)", [v])
                .unwrap();
        }
        c.execute("INSERT INTO kv (k, v) VALUES ('c', 'see')", [])
            .unwrap();
        c
    }

    #[test]
    fn reads_what_sqlite_reads_across_layouts() {
        let t = tempfile::tempdir().unwrap();
        let mut n = 0;
        for page_size in [512u32, 4096, 65536] {
            for reserved in [0, 32] {
                for wal in [false, true] {
                    for (value_len, filler_rows, filler_tables) in
                        [(10, 0, 0), (5_000, 40, 3), (300_000, 600, 120)]
                    {
                        let shape = Shape {
                            page_size,
                            reserved,
                            wal,
                            value_len,
                            filler_rows,
                            filler_tables,
                        };
                        n += 1;
                        let path = t.path().join(format!("{n}.sqlite"));
                        let conn = build(&path, &shape);
                        let got = fast(&path);
                        let want = by_sqlite(&path);
                        assert_eq!(
                            got.as_ref(),
                            Some(&want),
                            "page {page_size} reserved {reserved} wal {wal} value {value_len} rows {filler_rows} tables {filler_tables}"
                        );
                        let Lookup::Rows(rows) = want else { panic!() };
                        assert_eq!(rows.len(), 2);
                        drop(conn);
                    }
                }
            }
        }
    }

    #[test]
    fn a_missing_table_and_missing_rows() {
        let t = tempfile::tempdir().unwrap();
        let path = t.path().join("x.sqlite");
        let c = Connection::open(&path).unwrap();
        c.execute_batch("CREATE TABLE other (k TEXT)").unwrap();
        assert_eq!(fast(&path), Some(Lookup::NoTable));
        c.execute_batch("CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT)")
            .unwrap();
        assert_eq!(fast(&path), Some(Lookup::Rows(vec![])));
    }

    #[test]
    fn wal_frames_count_only_up_to_the_last_commit() {
        let t = tempfile::tempdir().unwrap();
        let path = t.path().join("w.sqlite");
        let shape = Shape {
            page_size: 1024,
            reserved: 0,
            wal: true,
            value_len: 10,
            filler_rows: 50,
            filler_tables: 2,
        };
        let c = build(&path, &shape);
        for i in 0..5 {
            c.execute("UPDATE kv SET v = ?1 WHERE k = 'c'", [format!("v{i}")])
                .unwrap();
        }
        assert_eq!(fast(&path), Some(by_sqlite(&path)));
        // A transaction that spills pages into the WAL but has not committed.
        c.execute_batch("PRAGMA cache_size = 2; BEGIN;").unwrap();
        let wal_len = || std::fs::metadata(sibling(&path, "-wal")).unwrap().len();
        let before = wal_len();
        c.execute("UPDATE kv SET v = ?1", ["y".repeat(2000)])
            .unwrap();
        assert!(
            wal_len() > before,
            "the open transaction spilled into the WAL"
        );
        let Some(Lookup::Rows(rows)) = fast(&path) else {
            panic!("read during an open transaction")
        };
        assert_eq!(rows[1], ("c".into(), "v4".into()));
        c.execute_batch("ROLLBACK").unwrap();
        assert_eq!(fast(&path), Some(by_sqlite(&path)));

        // Restart the log; a small transaction leaves the old frames behind
        // it, with the old salts.
        c.query_row("PRAGMA wal_checkpoint(RESTART)", [], |_| Ok(()))
            .unwrap();
        c.execute("UPDATE kv SET v = 'after restart' WHERE k = 'c'", [])
            .unwrap();
        let got = fast(&path);
        assert_eq!(got, Some(by_sqlite(&path)));
        let Some(Lookup::Rows(rows)) = got else {
            panic!()
        };
        assert_eq!(rows[1].1, "after restart");
        c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .unwrap();
        assert_eq!(fast(&path), Some(by_sqlite(&path)));
    }

    #[test]
    fn unsure_cases_are_left_to_sqlite() {
        let t = tempfile::tempdir().unwrap();
        let path = t.path().join("u.sqlite");
        let c = Connection::open(&path).unwrap();
        c.execute_batch("CREATE TABLE kv (k TEXT, v); INSERT INTO kv VALUES ('a', 'x');")
            .unwrap();
        assert!(fast(&path).is_some());
        // A value SQLite would not hand over as text.
        c.execute_batch("INSERT INTO kv VALUES ('b', NULL)")
            .unwrap();
        assert_eq!(fast(&path), None);
        c.execute_batch("DELETE FROM kv WHERE k = 'b'; INSERT INTO kv VALUES ('a', 'again')")
            .unwrap();
        assert_eq!(fast(&path), None, "a duplicate key");
        c.execute_batch("DELETE FROM kv WHERE v = 'again'").unwrap();
        assert!(fast(&path).is_some());
        // A non-empty rollback journal: a writer is (or was) mid-commit.
        std::fs::write(sibling(&path, "-journal"), b"hot").unwrap();
        assert_eq!(fast(&path), None);
        std::fs::write(sibling(&path, "-journal"), b"").unwrap();
        assert!(fast(&path).is_some());
        // A WAL file without its -shm.
        std::fs::write(sibling(&path, "-wal"), b"").unwrap();
        assert_eq!(fast(&path), None);
        // An empty WAL holds nothing; one with frames beside a rollback-mode
        // header is not read.
        std::fs::write(sibling(&path, "-shm"), b"").unwrap();
        assert!(fast(&path).is_some());
        std::fs::write(sibling(&path, "-wal"), [7u8; 64]).unwrap();
        assert_eq!(fast(&path), None);
    }

    #[test]
    fn column_lists() {
        let names = |sql: &str| {
            table_columns(sql).map(|c| c.into_iter().map(|c| c.name).collect::<Vec<_>>())
        };
        assert_eq!(
            names(
                "CREATE TABLE config_machine_state (state_key TEXT NOT NULL PRIMARY KEY, value_json TEXT NOT NULL, updated_at_ms INTEGER NOT NULL) STRICT"
            ),
            Some(vec![
                "state_key".into(),
                "value_json".into(),
                "updated_at_ms".into()
            ])
        );
        assert_eq!(
            names(
                "CREATE TABLE \"a(b\" ([k,] TEXT DEFAULT ('x,)'), \"v\"\"q\" TEXT, `w` CHECK (w IN (1, 2)), PRIMARY KEY (\"k,\"), UNIQUE (w))"
            ),
            Some(vec!["k,".into(), "v\"q".into(), "w".into()])
        );
        for sql in [
            "CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID",
            "CREATE TABLE t (k TEXT, v TEXT GENERATED ALWAYS AS (k) VIRTUAL)",
            "CREATE TABLE t (k TEXT, v TEXT AS (k))",
            "CREATE TABLE t AS SELECT 1 AS k",
            "CREATE TABLE t (k TEXT, -- the key, of course\n v TEXT)",
            "CREATE TABLE t (k TEXT, PRIMARY KEY (k), v TEXT)",
            "CREATE TABLE t (k TEXT",
        ] {
            assert_eq!(names(sql), None, "{sql}");
        }
        let cols =
            table_columns("CREATE TABLE t (k TEXT COLLATE NOCASE, id INTEGER PRIMARY KEY, v)")
                .unwrap();
        assert!(cols[0].collate && !cols[0].integer);
        assert!(cols[1].integer && !cols[2].integer);
    }

    #[test]
    fn records_and_varints() {
        assert_eq!(varint(&[0x7f]), Some((127, 1)));
        assert_eq!(varint(&[0x81, 0x00]), Some((128, 2)));
        assert_eq!(varint(&[0xff; 9]), Some((u64::MAX, 9)));
        assert_eq!(varint(&[0x81]), None);
        // Header of 4 bytes: NULL, int8 -2, text "hi"; then the bodies.
        let rec = [4u8, 0, 1, 17, 0xfe, b'h', b'i'];
        assert_eq!(
            Record::parse(&rec),
            Some(vec![Value::Null, Value::Int(-2), Value::Text(b"hi")])
        );
        assert_eq!(Record::parse(&rec[..6]), None);
        assert_eq!(Record::parse(&[2, 10]), None);
    }

    /// A writer in another connection commits pairs of rows (and, in WAL
    /// mode, checkpoints and restarts the log) while this reader reads: every
    /// answer it gives is one committed state, never a mix of two.
    fn concurrent_writer(wal: bool) {
        use std::sync::atomic::{AtomicBool, Ordering};
        let t = tempfile::tempdir().unwrap();
        let path = t.path().join("c.sqlite");
        let shape = Shape {
            page_size: 1024,
            reserved: 0,
            wal,
            value_len: 10,
            filler_rows: 30,
            filler_tables: 30,
        };
        // Each version's filler letter differs, so pages of two versions
        // cannot pass for one.
        let value = |i: usize| {
            let fill = char::from(b'a' + (i % 26) as u8);
            format!("{i}:{}", fill.to_string().repeat(i * 37 % 5000))
        };
        build(&path, &shape)
            .execute("UPDATE kv SET v = ?1", [value(0)])
            .unwrap();
        let done = AtomicBool::new(false);
        let (mut answered, mut reads) = (0, 0);
        std::thread::scope(|s| {
            s.spawn(|| {
                // Set even when this thread panics, so the reader stops.
                struct Done<'a>(&'a AtomicBool);
                impl Drop for Done<'_> {
                    fn drop(&mut self) {
                        self.0.store(true, Ordering::SeqCst);
                    }
                }
                let _done = Done(&done);
                let c = Connection::open(&path).unwrap();
                c.busy_timeout(std::time::Duration::from_secs(10)).unwrap();
                c.execute_batch("PRAGMA synchronous = OFF").unwrap();
                for i in 1..1000 {
                    let v = value(i);
                    c.execute_batch("BEGIN IMMEDIATE").unwrap();
                    c.execute("UPDATE kv SET v = ?1 WHERE k IN ('a', 'c')", [&v])
                        .unwrap();
                    c.execute_batch("COMMIT").unwrap();
                    if wal && i % 10 == 9 {
                        let mode = ["PASSIVE", "RESTART", "TRUNCATE"][i / 10 % 3];
                        let _ =
                            c.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |_| Ok(()));
                    }
                }
            });
            while !done.load(Ordering::SeqCst) {
                reads += 1;
                if let Some(Lookup::Rows(rows)) = fast(&path) {
                    answered += 1;
                    let [(ka, a), (kc, c)] = <[(String, String); 2]>::try_from(rows).unwrap();
                    assert_eq!((ka.as_str(), kc.as_str()), ("a", "c"));
                    assert_eq!(a, c, "two rows from one transaction");
                    let i: usize = a.split(':').next().unwrap().parse().unwrap_or(usize::MAX);
                    if i != usize::MAX {
                        assert_eq!(a, value(i), "a whole value");
                    }
                }
            }
        });
        assert!(answered > 0, "{answered} of {reads} reads answered");
    }

    #[test]
    fn a_concurrent_wal_writer_never_shows_half_a_transaction() {
        concurrent_writer(true);
    }

    #[test]
    fn a_concurrent_rollback_writer_never_shows_half_a_transaction() {
        concurrent_writer(false);
    }

    #[test]
    fn absurd_sizes_are_refused_not_allocated() {
        let t = tempfile::tempdir().unwrap();
        let db = Db {
            file: File::create(t.path().join("empty")).unwrap(),
            page_size: 4096,
            usable: 4096,
            n_pages: u32::MAX,
            wal: None,
        };
        // A cell claiming a 2^62-byte payload, then rowid 1.
        let mut page = vec![0u8; 4096];
        page[..10].copy_from_slice(&[0xc0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0x01]);
        assert!(db.leaf_cell(&page, 0).is_none());
        // A scan of a page that is not there stops without a page bitmap.
        assert!(db.scan(u32::MAX, &mut |_| Some(())).is_none());
    }

    /// xorshift64*: deterministic bytes for the corruption test.
    fn rng(seed: &mut u64) -> u64 {
        *seed ^= *seed >> 12;
        *seed ^= *seed << 25;
        *seed ^= *seed >> 27;
        seed.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    #[test]
    fn damaged_files_never_panic() {
        let t = tempfile::tempdir().unwrap();
        for wal in [false, true] {
            let src = t.path().join(format!("src{wal}.sqlite"));
            let shape = Shape {
                page_size: 512,
                reserved: 0,
                wal,
                value_len: 3_000,
                filler_rows: 60,
                filler_tables: 20,
            };
            let conn = build(&src, &shape);
            let db = std::fs::read(&src).unwrap();
            let log = std::fs::read(sibling(&src, "-wal")).unwrap_or_default();
            drop(conn);
            let path = t.path().join(format!("bad{wal}.sqlite"));
            if wal {
                std::fs::write(sibling(&path, "-shm"), b"").unwrap();
            }
            let mut seed = 0x9e37_79b9_7f4a_7c15u64;
            for round in 0..1500 {
                let (mut d, mut l) = (db.clone(), log.clone());
                let target = if wal && round % 2 == 0 {
                    &mut l
                } else {
                    &mut d
                };
                if round % 5 == 0 {
                    let len = (rng(&mut seed) as usize) % (target.len() + 1);
                    target.truncate(len);
                } else {
                    for _ in 0..1 + rng(&mut seed) % 8 {
                        if target.is_empty() {
                            break;
                        }
                        let at = (rng(&mut seed) as usize) % target.len();
                        target[at] = rng(&mut seed) as u8;
                    }
                }
                std::fs::write(&path, &d).unwrap();
                if wal {
                    std::fs::write(sibling(&path, "-wal"), &l).unwrap();
                }
                let _ = fast(&path);
            }
        }
    }
}
