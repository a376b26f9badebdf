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
//! hot journal, a WAL without its -shm, a WAL header it does not trust, an
//! unexpected page type, a WITHOUT ROWID, generated or collated column, a
//! non-text value, a duplicate key, a short read) gives `None`, and the
//! caller asks SQLite, whose answer and messages are then the ones the user
//! sees. A verdict never depends on this reader being able to read a file.
//!
//! Consistency without SQLite, the way SQLite gets it:
//! - it holds SQLite's SHARED lock on the database file while it reads (the
//!   unix VFS's fcntl read lock on the shared byte range, taken through the
//!   PENDING byte), so no rollback-journal writer can commit and no closing
//!   connection can checkpoint and delete the WAL under it;
//! - it refuses to read beside a non-empty rollback journal;
//! - it reads a WAL as SQLite does: through the -shm wal-index when that is
//!   intact and belongs to this log (as SQLite's readers do), then, as
//!   recovery does, any further frames whose salts and cumulative checksums
//!   are valid, up to the last commit frame; a page's newest committed frame
//!   wins over the database file;
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
#[derive(Clone, Copy)]
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
    file: File,
    /// Page number -> file offset of its newest committed frame.
    frames: HashMap<u32, u64>,
    /// Database size in pages after the last commit.
    n_pages: u32,
    page_size: usize,
    /// The log's salts, which each of its frames repeats.
    salt: [u8; 8],
}

const WAL_MAGIC: u32 = 0x377f_0682;
const WAL_VERSION: u32 = 3_007_000;
/// How much of the log is checksummed per read: small enough to stay in
/// cache and cost few page faults, large enough for few system calls.
const WAL_CHUNK: usize = 64 * 1024;

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

/// Where a scan of the log starts: after the frames already known.
struct Known {
    frames: HashMap<u32, u64>,
    /// Frames already accounted for (the index's mxFrame, or 0).
    count: usize,
    /// The running checksum after them.
    sum: (u32, u32),
    n_pages: u32,
}

/// The wal-index (-shm) layout, from wal.c: two copies of a 48-byte header,
/// the checkpoint info, then per block of frames their page numbers.
const SHM_HEADER: usize = 136;
const SHM_BLOCK: usize = 32 * 1024;
const SHM_FRAMES_PER_BLOCK: usize = 4096;
const SHM_FRAMES_FIRST_BLOCK: usize = SHM_FRAMES_PER_BLOCK - SHM_HEADER / 4;

impl Wal {
    /// The committed frames of the log at `path` (`len` bytes): `Some(None)`
    /// when there are none, `None` when this reader does not trust it.
    /// `header`: the log's first 32 bytes, as the stamp read them (the
    /// closing stamp checks they did not change).
    fn open(path: &Path, len: u64, header: &[u8; 32], shm: &Path) -> Option<Option<Wal>> {
        if len == 0 {
            return Some(None);
        }
        let file = File::open(path).ok()?;
        let magic = be32(header, 0)?;
        if magic & !1 != WAL_MAGIC || be32(header, 4)? != WAL_VERSION {
            return None;
        }
        let big_endian = magic & 1 == 1;
        let page_size = be32(header, 8)? as usize;
        if !valid_page_size(page_size) {
            return None;
        }
        let sum = wal_checksum(big_endian, &header[..24], (0, 0));
        if sum != (be32(header, 24)?, be32(header, 28)?) {
            return None;
        }
        let salt: [u8; 8] = header[16..24].try_into().ok()?;
        let wal = Wal {
            file,
            frames: HashMap::new(),
            n_pages: 0,
            page_size,
            salt,
        };
        let start = wal.read_index(shm, len, big_endian).unwrap_or(Known {
            frames: HashMap::new(),
            count: 0,
            sum,
            n_pages: 0,
        });
        wal.scan(len, big_endian, start)
    }

    fn frame_size(&self) -> usize {
        24 + self.page_size
    }

    /// What the wal-index says, the way SQLite's readers use it: a header
    /// whose two copies agree and whose checksum holds, for this log (same
    /// salts and page size), gives the last commit frame and each frame's
    /// page; the log's frame at that point must carry the same checksum and
    /// be a commit. Frames up to it are then not re-checksummed. `None`
    /// when any of that fails (then the whole log is scanned).
    fn read_index(&self, shm: &Path, len: u64, big_endian: bool) -> Option<Known> {
        let index = std::fs::read(shm).ok()?;
        let ne32 = |at: usize| -> Option<u32> {
            Some(u32::from_ne_bytes(index.get(at..at + 4)?.try_into().ok()?))
        };
        let (h1, h2) = (index.get(..48)?, index.get(48..96)?);
        let native_big = cfg!(target_endian = "big");
        if h1 != h2
            || ne32(0)? != WAL_VERSION
            || h1[12] != 1
            || (h1[13] == 1) != big_endian
            || wal_checksum(native_big, &h1[..40], (0, 0)) != (ne32(40)?, ne32(44)?)
            || h1[32..40] != self.salt
        {
            return None;
        }
        let page_size = match u16::from_ne_bytes([h1[14], h1[15]]) {
            1 => 65536,
            n => usize::from(n),
        };
        let count = ne32(16)? as usize;
        let n_pages = ne32(20)?;
        let sum = (ne32(24)?, ne32(28)?);
        let frame = self.frame_size();
        if page_size != self.page_size || count == 0 || 32 + (count * frame) as u64 > len {
            return None;
        }
        let last = 32 + ((count - 1) * frame) as u64;
        let mut fh = [0u8; 24];
        self.file.read_exact_at(&mut fh, last).ok()?;
        if be32(&fh, 4)? != n_pages
            || n_pages == 0
            || fh[8..16] != self.salt
            || (be32(&fh, 16)?, be32(&fh, 20)?) != sum
        {
            return None;
        }
        let mut frames = HashMap::new();
        for i in 1..=count {
            let at = if i <= SHM_FRAMES_FIRST_BLOCK {
                SHM_HEADER + 4 * (i - 1)
            } else {
                let j = i - 1 - SHM_FRAMES_FIRST_BLOCK;
                SHM_BLOCK * (1 + j / SHM_FRAMES_PER_BLOCK) + 4 * (j % SHM_FRAMES_PER_BLOCK)
            };
            let pgno = ne32(at)?;
            if pgno == 0 {
                return None;
            }
            frames.insert(pgno, 32 + ((i - 1) * frame) as u64 + 24);
        }
        Some(Known {
            frames,
            count,
            sum,
            n_pages,
        })
    }

    /// Read the log after the frames already `known` as recovery does, a
    /// chunk at a time: frames with this log's salts and a valid running
    /// checksum, up to the last commit frame.
    fn scan(mut self, len: u64, big_endian: bool, known: Known) -> Option<Option<Wal>> {
        let Known {
            mut frames,
            count: mut done,
            mut sum,
            mut n_pages,
        } = known;
        let frame = self.frame_size();
        let whole_frames = (len.checked_sub(32)? / frame as u64) as usize;
        let per_chunk = (WAL_CHUNK / frame).max(1);
        let mut buf = Vec::new();
        let mut pending = Vec::new();
        'chunks: while done < whole_frames {
            let count = per_chunk.min(whole_frames - done);
            let first = 32 + (done * frame) as u64;
            buf.resize(count * frame, 0);
            self.file.read_exact_at(&mut buf, first).ok()?;
            for (i, f) in buf.chunks_exact(frame).enumerate() {
                let pgno = be32(f, 0)?;
                let commit = be32(f, 4)?;
                if pgno == 0 || f[8..16] != self.salt {
                    break 'chunks;
                }
                sum = wal_checksum(big_endian, &f[..8], sum);
                sum = wal_checksum(big_endian, &f[24..], sum);
                if sum != (be32(f, 16)?, be32(f, 20)?) {
                    break 'chunks;
                }
                pending.push((pgno, first + (i * frame) as u64 + 24));
                if commit != 0 {
                    frames.extend(pending.drain(..));
                    n_pages = commit;
                }
            }
            done += count;
        }
        if n_pages == 0 {
            return Some(None);
        }
        self.frames = frames;
        self.n_pages = n_pages;
        Some(Some(self))
    }

    /// A page's image from its frame, checking the frame still belongs to
    /// this log (a restarted log rewrites frames with new salts).
    fn page(&self, at: u64) -> Option<Vec<u8>> {
        let mut v = vec![0; self.frame_size()];
        self.file.read_exact_at(&mut v, at.checked_sub(24)?).ok()?;
        if v[8..16] != self.salt {
            return None;
        }
        v.drain(..24);
        Some(v)
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
            Some((w, header)) => Wal::open(
                &sibling(path, "-wal"),
                w.len,
                header,
                &sibling(path, "-shm"),
            )?,
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

    fn page(&self, pgno: u32) -> Option<Vec<u8>> {
        if pgno == 0 || pgno > self.n_pages.max(1) {
            return None;
        }
        if let Some(w) = &self.wal
            && let Some(&at) = w.frames.get(&pgno)
        {
            return w.page(at);
        }
        let mut v = vec![0; self.page_size];
        let at = u64::from(pgno - 1) * self.page_size as u64;
        self.file.read_exact_at(&mut v, at).ok()?;
        Some(v)
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

    /// Column `idx` of a cell's record: from the bytes on the page when it
    /// lies there (the common case, no overflow pages read), else from the
    /// whole payload.
    fn column_of(
        &self,
        p: &Payload,
        idx: usize,
        f: &mut dyn FnMut(Value) -> Option<()>,
    ) -> Option<()> {
        if let Some(v) = Record::column(p.local, idx) {
            return f(v);
        }
        if p.local.len() == p.total {
            return None;
        }
        let rec = self.full(p)?;
        f(Record::column(&rec, idx)?)
    }

    /// The tables `queries` name, looked up in sqlite_schema (case-blind, as
    /// SQL names are). A name held by anything but a plain table: `None`.
    fn schema(&self, queries: &[Query]) -> Option<Vec<Option<TableDef>>> {
        let mut found: Vec<Option<TableDef>> = queries.iter().map(|_| None).collect();
        self.scan(1, &mut |p| {
            let mut hits = Vec::new();
            self.column_of(p, 1, &mut |name| {
                if let Value::Text(name) = name {
                    hits.extend(
                        (0..queries.len())
                            .filter(|&i| name.eq_ignore_ascii_case(queries[i].table.as_bytes())),
                    );
                }
                Some(())
            })?;
            if hits.is_empty() {
                return Some(());
            }
            let rec = self.full(p)?;
            let (Value::Text(b"table"), Value::Int(root), Value::Text(sql)) = (
                Record::column(&rec, 0)?,
                Record::column(&rec, 3)?,
                Record::column(&rec, 4)?,
            ) else {
                return None;
            };
            for i in hits {
                if found[i].is_some() {
                    return None;
                }
                found[i] = Some(TableDef {
                    root: u32::try_from(root).ok().filter(|r| *r > 0)?,
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
            // A record shorter than the table (ALTER TABLE ADD COLUMN) has
            // the column's default, which this reader does not know: None.
            let mut key = None;
            self.column_of(p, ki, &mut |k| {
                if let Value::Text(k) = k {
                    key = q.keys.iter().find(|want| want.as_bytes() == k);
                }
                Some(())
            })?;
            let Some(key) = key else {
                return Some(());
            };
            if rows.iter().any(|(k, _)| k == key) {
                return None;
            }
            let rec = self.full(p)?;
            let Value::Text(value) = Record::column(&rec, vi)? else {
                return None;
            };
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

/// A record (fileformat2 §2.1), read one column at a time: the header is
/// walked only as far as the column asked for, and nothing is allocated.
struct Record;

impl Record {
    /// Column `idx` of `rec`; `None` when the record is shorter or damaged,
    /// or when `rec` is only the part of a payload on its page and the column
    /// lies beyond it.
    fn column(rec: &[u8], idx: usize) -> Option<Value<'_>> {
        let (header_len, mut at) = varint(rec)?;
        let header_len = usize::try_from(header_len).ok()?;
        let header = rec.get(..header_len)?;
        let mut body = header_len;
        let mut i = 0;
        while at < header_len {
            let (t, n) = varint(header.get(at..)?)?;
            at += n;
            let len = match t {
                0 | 8 | 9 => 0,
                1..=4 => t as usize,
                5 => 6,
                6 | 7 => 8,
                10 | 11 => return None,
                _ => usize::try_from((t - 12) / 2).ok()?,
            };
            if i == idx {
                let bytes = rec.get(body..body.checked_add(len)?)?;
                return Some(match t {
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
            body = body.checked_add(len)?;
            i += 1;
        }
        None
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

    /// The wal-index is used as SQLite's readers use it, and a stale one (a
    /// writer that died between its commit frame and the index update) does
    /// not hide the commit: the log after the index's last frame is still
    /// scanned.
    #[test]
    fn the_wal_index_is_used_and_a_stale_one_is_caught_up() {
        let t = tempfile::tempdir().unwrap();
        let path = t.path().join("i.sqlite");
        let shape = Shape {
            page_size: 1024,
            reserved: 0,
            wal: true,
            value_len: 10,
            filler_rows: 5000,
            filler_tables: 2,
        };
        let c = build(&path, &shape);
        let (wal, shm) = (sibling(&path, "-wal"), sibling(&path, "-shm"));
        let open = || {
            let file = File::open(&wal).unwrap();
            let mut header = [0u8; 32];
            file.read_exact_at(&mut header, 0).unwrap();
            let w = Wal {
                file,
                frames: HashMap::new(),
                n_pages: 0,
                page_size: 1024,
                salt: header[16..24].try_into().unwrap(),
            };
            let len = std::fs::metadata(&wal).unwrap().len();
            w.read_index(&shm, len, header[3] & 1 == 1).map(|k| k.count)
        };
        // More frames than the index's first block holds.
        let frames = open().expect("the live index is used");
        assert!(frames > SHM_FRAMES_FIRST_BLOCK, "{frames} frames");
        assert_eq!(fast(&path), Some(by_sqlite(&path)));

        let stale = std::fs::read(&shm).unwrap();
        c.execute("UPDATE kv SET v = 'newer' WHERE k = 'c'", [])
            .unwrap();
        assert!(open().unwrap() > frames);
        std::fs::write(&shm, &stale).unwrap();
        assert_eq!(open(), Some(frames), "the stale index still checks out");
        let Some(Lookup::Rows(rows)) = fast(&path) else {
            panic!("read beside a stale index")
        };
        assert_eq!(rows[1], ("c".into(), "newer".into()));

        // An index for another log (other salts) is not used at all.
        let mut other = stale.clone();
        other[32] ^= 1;
        other[80] ^= 1;
        std::fs::write(&shm, &other).unwrap();
        assert_eq!(open(), None);
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
        assert_eq!(Record::column(&rec, 0), Some(Value::Null));
        assert_eq!(Record::column(&rec, 1), Some(Value::Int(-2)));
        assert_eq!(Record::column(&rec, 2), Some(Value::Text(b"hi")));
        assert_eq!(Record::column(&rec, 3), None, "past the last column");
        assert_eq!(Record::column(&rec[..6], 2), None, "cut short");
        assert_eq!(Record::column(&rec[..6], 1), Some(Value::Int(-2)));
        assert_eq!(Record::column(&[2, 10], 0), None);
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
        // How many reads overlapped a commit and stepped aside depends on the
        // machine; once the writer is done the reader must answer, with the
        // last value.
        eprintln!("wal={wal}: {answered} of {reads} reads answered during the writes");
        let Some(Lookup::Rows(rows)) = fast(&path) else {
            panic!("no answer after the writer finished")
        };
        assert_eq!(rows[0].1, value(999));
        assert_eq!(rows[1].1, value(999));
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
            let index = std::fs::read(sibling(&src, "-shm")).unwrap_or_default();
            drop(conn);
            let path = t.path().join(format!("bad{wal}.sqlite"));
            let mut seed = 0x9e37_79b9_7f4a_7c15u64;
            for round in 0..1500 {
                let (mut d, mut l, mut i) = (db.clone(), log.clone(), index.clone());
                let target = match round % 3 {
                    0 if wal => &mut l,
                    1 if wal => &mut i,
                    _ => &mut d,
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
                    std::fs::write(sibling(&path, "-shm"), &i).unwrap();
                }
                let _ = fast(&path);
            }
        }
    }
}
