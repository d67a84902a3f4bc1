//! Attachment blobs: photos citizens attach to an appeal, documents staff attach.
//!
//! Blobs live on the file system, not in the database, so that both engines share one
//! store and backups of the database stay small. They are content-addressed by SHA-256:
//! identical uploads are stored once, a reference can never point at different bytes,
//! and every read is checked against its name.
//!
//! The kind of an attachment is decided by its content (magic bytes), never by the file
//! name the browser sent, which the uploader controls. The checks for the six formats
//! below are written here rather than taken from the `infer` crate: that crate is not
//! in our dependency tree, it recognises far more formats than we accept, and we want
//! to choose exactly which HEIF brands count as photos.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Where the demo keeps blobs, beside its SQLite file. Production passes a directory
/// shared by all instances (e.g. on NFS) instead.
pub const DEFAULT_DIR: &str = "./pingan-blobs";

/// Prefix of in-flight temp files, so a sweeper can recognise leftovers of a crash.
const TEMP_PREFIX: &str = ".tmp-";

/// Limits on what may be attached to one appeal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttachmentPolicy {
    /// Largest single attachment; a phone photo is a few MiB.
    pub max_bytes: u64,
    /// Most attachments per appeal (nine photos, as on common messaging apps).
    pub max_count: usize,
}

impl Default for AttachmentPolicy {
    fn default() -> Self {
        AttachmentPolicy { max_bytes: 10 * 1024 * 1024, max_count: 9 }
    }
}

/// A supported attachment format, as detected from its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AttachmentKind {
    Jpeg,
    Png,
    Webp,
    Gif,
    /// HEIC/HEIF, what iPhones take photos in by default. Most browsers other than
    /// Safari cannot display it, so pages should offer it as a download.
    Heic,
    Pdf,
}

impl AttachmentKind {
    pub const ALL: [AttachmentKind; 6] = [
        AttachmentKind::Jpeg,
        AttachmentKind::Png,
        AttachmentKind::Webp,
        AttachmentKind::Gif,
        AttachmentKind::Heic,
        AttachmentKind::Pdf,
    ];

    /// The kind stored under its MIME type (as rows keep it).
    pub fn of_mime(mime: &str) -> Option<AttachmentKind> {
        Self::ALL.into_iter().find(|k| k.mime() == mime)
    }

    /// Detect the kind from the first bytes of the content; `None` for anything we
    /// do not accept.
    pub fn detect(bytes: &[u8]) -> Option<AttachmentKind> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(AttachmentKind::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(AttachmentKind::Png)
        } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
            Some(AttachmentKind::Webp)
        } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
            Some(AttachmentKind::Gif)
        } else if bytes.len() >= 12
            && &bytes[4..8] == b"ftyp"
            && matches!(&bytes[8..12], b"heic" | b"heix" | b"mif1" | b"hevc")
        {
            // ISO base media file: the major brand tells HEIF stills from MP4 video or AVIF.
            Some(AttachmentKind::Heic)
        } else if bytes.starts_with(b"%PDF-") {
            Some(AttachmentKind::Pdf)
        } else {
            None
        }
    }

    /// The MIME type to serve it with (never the one the uploader claimed).
    pub fn mime(self) -> &'static str {
        match self {
            AttachmentKind::Jpeg => "image/jpeg",
            AttachmentKind::Png => "image/png",
            AttachmentKind::Webp => "image/webp",
            AttachmentKind::Gif => "image/gif",
            AttachmentKind::Heic => "image/heic",
            AttachmentKind::Pdf => "application/pdf",
        }
    }

    /// File name extension (without the dot) for downloads.
    pub fn extension(self) -> &'static str {
        match self {
            AttachmentKind::Jpeg => "jpg",
            AttachmentKind::Png => "png",
            AttachmentKind::Webp => "webp",
            AttachmentKind::Gif => "gif",
            AttachmentKind::Heic => "heic",
            AttachmentKind::Pdf => "pdf",
        }
    }

    /// Whether it is a photo (shown as a thumbnail) rather than a document.
    pub fn is_image(self) -> bool {
        !matches!(self, AttachmentKind::Pdf)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error(
        "附件「{name}」过大（{size}），上限为 {limit} / attachment '{name}' is too large ({size}; the limit is {limit})",
        size = size_label(*.bytes, Rounding::Up),
        limit = size_label(*.max, Rounding::Down)
    )]
    TooLarge { name: String, bytes: u64, max: u64 },
    #[error("附件「{name}」是空文件 / attachment '{name}' is empty")]
    Empty { name: String },
    #[error(
        "附件「{name}」不是支持的图片或 PDF 格式 / attachment '{name}' is not a supported image or PDF (detected by content)"
    )]
    UnsupportedType { name: String },
    #[error("附件最多 {max} 个，当前为 {count} 个 / at most {max} attachments are allowed, got {count}")]
    TooMany { count: usize, max: usize },
    /// Also returned for a malformed reference: it names no blob.
    #[error("附件不存在 / attachment not found")]
    NotFound,
    /// The stored bytes no longer hash to their name (disk fault or tampering).
    #[error("附件内容校验失败，文件已损坏 / attachment failed its checksum; the stored file is corrupt")]
    Corrupt,
    #[error("附件存储读写失败 / attachment storage I/O error: {0}")]
    Io(#[from] io::Error),
}

#[derive(Clone, Copy)]
enum Rounding {
    Up,
    Down,
}

/// A size people can read, to one decimal. The actual size rounds up and the limit
/// down, so a file just over the limit never shows as equal to it.
fn size_label(bytes: u64, rounding: Rounding) -> String {
    const KIB: u128 = 1024;
    let (unit, name) = match bytes as u128 {
        b if b < KIB => return format!("{bytes} B"),
        b if b < KIB * KIB => (KIB, "KiB"),
        _ => (KIB * KIB, "MiB"),
    };
    let scaled = bytes as u128 * 10;
    let tenths = match rounding {
        Rounding::Up => scaled.div_ceil(unit),
        Rounding::Down => scaled / unit,
    };
    match tenths % 10 {
        0 => format!("{} {name}", tenths / 10),
        frac => format!("{}.{frac} {name}", tenths / 10),
    }
}

/// Check one upload against the policy and detect its kind; touches no storage, so
/// handlers can refuse a bad file before writing anything.
pub fn check_attachment(policy: &AttachmentPolicy, name: &str, bytes: &[u8]) -> Result<AttachmentKind, BlobError> {
    if bytes.is_empty() {
        return Err(BlobError::Empty { name: name.to_owned() });
    }
    let size = bytes.len() as u64;
    if size > policy.max_bytes {
        return Err(BlobError::TooLarge { name: name.to_owned(), bytes: size, max: policy.max_bytes });
    }
    AttachmentKind::detect(bytes).ok_or_else(|| BlobError::UnsupportedType { name: name.to_owned() })
}

/// Check how many attachments one appeal would have in total.
pub fn check_count(policy: &AttachmentPolicy, count: usize) -> Result<(), BlobError> {
    if count > policy.max_count {
        return Err(BlobError::TooMany { count, max: policy.max_count });
    }
    Ok(())
}

/// What the database keeps about a stored blob.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobRef {
    /// Lowercase hex SHA-256 of the content; also its name in the store.
    pub sha256: String,
    pub size: u64,
    pub kind: AttachmentKind,
}

/// A content-addressed blob directory: `dir/ab/cd/<sha256 hex>`. The two levels of
/// fan-out keep any one directory small. Several processes may share the directory.
#[derive(Debug, Clone)]
pub struct BlobStore {
    dir: PathBuf,
}

impl BlobStore {
    /// Open the store, creating the directory if needed (at startup, so it is sync).
    pub fn open(dir: impl Into<PathBuf>) -> Result<Self, BlobError> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir)?;
        Ok(BlobStore { dir })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Store `bytes` and return their reference. Does not apply an
    /// [`AttachmentPolicy`] (call [`check_attachment`] first, which knows the file
    /// name) but refuses content whose kind is not supported. Storing the same bytes
    /// again, even from several processes at once, is harmless.
    pub async fn put(&self, bytes: &[u8]) -> Result<BlobRef, BlobError> {
        // Hashing 10 MiB and fsync both block, so the whole job runs off the async workers.
        let root = self.dir.clone();
        let bytes = bytes.to_vec();
        tokio::task::spawn_blocking(move || put_blocking(&root, &bytes)).await.map_err(io::Error::other)?
    }

    /// Read a blob, checking it still hashes to its name.
    pub async fn get(&self, sha256: &str) -> Result<Vec<u8>, BlobError> {
        // The name becomes a path, so only a well-formed hash may reach the file system.
        if !is_sha256_hex(sha256) {
            return Err(BlobError::NotFound);
        }
        let path = blob_path(&self.dir, sha256);
        let sha256 = sha256.to_owned();
        tokio::task::spawn_blocking(move || {
            let bytes = match std::fs::read(&path) {
                Ok(bytes) => bytes,
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(BlobError::NotFound),
                Err(e) => return Err(e.into()),
            };
            if hex::encode(Sha256::digest(&bytes)) != sha256 {
                tracing::error!(sha256, path = %path.display(), "attachment blob failed its checksum");
                return Err(BlobError::Corrupt);
            }
            Ok(bytes)
        })
        .await
        .map_err(io::Error::other)?
    }
}

/// What [`BlobStore::sweep`] found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Sweep {
    /// Blobs some record refers to.
    pub referenced: u64,
    /// Blobs no record refers to, removed (or, in a dry run, that would be).
    pub removed: u64,
    pub removed_bytes: u64,
    /// Blobs no record refers to yet, younger than the grace period: kept, since a filing
    /// may be about to commit its reference.
    pub young: u64,
    /// Leftovers of interrupted writes (temp files older than the grace period), removed.
    pub temp_removed: u64,
}

impl BlobStore {
    /// Remove the blobs that no record refers to (`referenced` holds every SHA-256 the
    /// database names) and the temp files of interrupted writes, once they are older than
    /// `grace`. A filing writes its photos before the transaction that refers to them, and
    /// storing known bytes again makes their file young, so a grace longer than any request
    /// never removes a blob about to be used. Files that are not blobs are left alone.
    pub async fn sweep(
        &self,
        referenced: std::collections::HashSet<String>,
        grace: std::time::Duration,
        dry_run: bool,
    ) -> Result<Sweep, BlobError> {
        let root = self.dir.clone();
        tokio::task::spawn_blocking(move || sweep_blocking(&root, &referenced, grace, dry_run))
            .await
            .map_err(io::Error::other)?
    }
}

fn sweep_blocking(
    root: &Path,
    referenced: &std::collections::HashSet<String>,
    grace: std::time::Duration,
    dry_run: bool,
) -> Result<Sweep, BlobError> {
    let mut sweep = Sweep::default();
    let now = std::time::SystemTime::now();
    // Fan-out directories are two hex characters each (`blob_path`); nothing else is walked.
    let fan_out = |dir: &Path| -> io::Result<Vec<PathBuf>> {
        let mut dirs = Vec::new();
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if entry.file_type()?.is_dir() && name.len() == 2 && name.bytes().all(|b| b.is_ascii_hexdigit()) {
                dirs.push(entry.path());
            }
        }
        Ok(dirs)
    };
    for top in fan_out(root)? {
        for leaf in fan_out(&top)? {
            for entry in std::fs::read_dir(&leaf)? {
                let entry = entry?;
                let meta = entry.metadata()?;
                if !meta.is_file() {
                    continue;
                }
                let name = entry.file_name().to_string_lossy().into_owned();
                let old = now.duration_since(meta.modified()?).is_ok_and(|age| age >= grace);
                let remove = || if dry_run { Ok(()) } else { remove_if_present(&entry.path()) };
                if name.starts_with(TEMP_PREFIX) {
                    if old {
                        remove()?;
                        sweep.temp_removed += 1;
                    }
                } else if is_sha256_hex(&name) {
                    if referenced.contains(&name) {
                        sweep.referenced += 1;
                    } else if !old {
                        sweep.young += 1;
                    } else {
                        remove()?;
                        sweep.removed += 1;
                        sweep.removed_bytes += meta.len();
                    }
                }
            }
        }
    }
    Ok(sweep)
}

/// Another instance's sweep may have removed it first.
fn remove_if_present(path: &Path) -> io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn blob_path(root: &Path, sha256: &str) -> PathBuf {
    root.join(&sha256[0..2]).join(&sha256[2..4]).join(sha256)
}

fn put_blocking(root: &Path, bytes: &[u8]) -> Result<BlobRef, BlobError> {
    let sha256 = hex::encode(Sha256::digest(bytes));
    // No file name reaches the store; a short hash identifies the upload in errors.
    let name = || format!("sha256:{}", &sha256[..12]);
    if bytes.is_empty() {
        return Err(BlobError::Empty { name: name() });
    }
    let kind = AttachmentKind::detect(bytes).ok_or_else(|| BlobError::UnsupportedType { name: name() })?;
    let blob = BlobRef { sha256: sha256.clone(), size: bytes.len() as u64, kind };

    let path = blob_path(root, &sha256);
    if holds(&path, &sha256)? {
        // Fresh again: a sweep leaves young blobs alone, and this one is about to be referred
        // to by a record that is not yet committed.
        File::options().write(true).open(&path)?.set_modified(std::time::SystemTime::now())?;
        return Ok(blob);
    }
    let leaf = path.parent().expect("blob path has a parent");
    std::fs::create_dir_all(leaf)?;
    // Unique per writer, in the same directory so the rename stays on one file system.
    let temp = leaf.join(format!("{TEMP_PREFIX}{}-{:016x}", std::process::id(), rand::random::<u64>()));
    if let Err(e) = write_synced(&temp, bytes).and_then(|()| std::fs::rename(&temp, &path)) {
        let _ = std::fs::remove_file(&temp);
        return Err(e.into());
    }
    // Make the new names durable too; otherwise a crash could lose a blob the database
    // already refers to. Concurrent writers renaming identical bytes over it is harmless.
    for dir in [leaf, leaf.parent().unwrap_or(root), root] {
        sync_dir(dir)?;
    }
    Ok(blob)
}

/// Whether `path` already holds exactly the blob. A damaged copy counts as absent, so
/// storing the blob again repairs it.
fn holds(path: &Path, sha256: &str) -> io::Result<bool> {
    let mut file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e),
    };
    let mut hasher = Sha256::new();
    io::copy(&mut file, &mut hasher)?;
    let intact = hex::encode(hasher.finalize()) == sha256;
    if !intact {
        tracing::warn!(sha256, path = %path.display(), "replacing a corrupt attachment blob");
    }
    Ok(intact)
}

fn write_synced(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = File::options().write(true).create_new(true).open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    match File::open(dir).and_then(|d| d.sync_all()) {
        // Some network and FUSE file systems cannot fsync a directory; they commit
        // renames on the server anyway.
        Err(e) if matches!(e.kind(), io::ErrorKind::InvalidInput | io::ErrorKind::Unsupported) => Ok(()),
        other => other,
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Barrier};

    #[test]
    fn every_kind_maps_back_from_its_mime() {
        for k in AttachmentKind::ALL {
            assert_eq!(AttachmentKind::of_mime(k.mime()), Some(k));
        }
        assert_eq!(AttachmentKind::of_mime("text/html"), None);
    }

    /// A fresh directory per test, removed afterwards.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new() -> TempDir {
            let dir = std::env::temp_dir().join(format!(
                "pingan-blobs-test-{}-{:016x}",
                std::process::id(),
                rand::random::<u64>()
            ));
            TempDir(dir)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    const JPEG: &[u8] = b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00";
    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0DIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00";
    const WEBP: &[u8] = b"RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00";
    const GIF87: &[u8] = b"GIF87a\x01\x00\x01\x00\x80\x00\x00";
    const GIF89: &[u8] = b"GIF89a\x01\x00\x01\x00\x80\x00\x00";
    const PDF: &[u8] = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n";

    /// An ISO-BMFF `ftyp` box with the given major brand, as HEIF and MP4 files begin.
    fn ftyp(brand: &[u8; 4]) -> Vec<u8> {
        let mut v = b"\x00\x00\x00\x18ftyp".to_vec();
        v.extend_from_slice(brand);
        v.extend_from_slice(b"\x00\x00\x00\x00mif1heic");
        v
    }

    fn policy() -> AttachmentPolicy {
        AttachmentPolicy::default()
    }

    #[test]
    fn detects_each_kind_from_its_header() {
        let cases: Vec<(Vec<u8>, AttachmentKind)> = vec![
            (JPEG.to_vec(), AttachmentKind::Jpeg),
            (PNG.to_vec(), AttachmentKind::Png),
            (WEBP.to_vec(), AttachmentKind::Webp),
            (GIF87.to_vec(), AttachmentKind::Gif),
            (GIF89.to_vec(), AttachmentKind::Gif),
            (ftyp(b"heic"), AttachmentKind::Heic),
            (ftyp(b"heix"), AttachmentKind::Heic),
            (ftyp(b"mif1"), AttachmentKind::Heic),
            (ftyp(b"hevc"), AttachmentKind::Heic),
            (PDF.to_vec(), AttachmentKind::Pdf),
        ];
        for (bytes, want) in cases {
            // The name says PDF for all of them: only the content counts.
            assert_eq!(check_attachment(&policy(), "scan.pdf", &bytes).unwrap(), want, "{bytes:?}");
        }
    }

    #[test]
    fn kind_metadata() {
        assert_eq!(AttachmentKind::Jpeg.mime(), "image/jpeg");
        assert_eq!(AttachmentKind::Jpeg.extension(), "jpg");
        assert_eq!(AttachmentKind::Heic.mime(), "image/heic");
        assert_eq!(AttachmentKind::Pdf.mime(), "application/pdf");
        assert_eq!(AttachmentKind::Pdf.extension(), "pdf");
        assert!(AttachmentKind::Webp.is_image() && AttachmentKind::Heic.is_image());
        assert!(!AttachmentKind::Pdf.is_image());
        assert_eq!(serde_json::to_string(&AttachmentKind::Webp).unwrap(), "\"webp\"");
    }

    #[test]
    fn renamed_text_file_is_refused() {
        let err = check_attachment(&policy(), "现场照片.jpg", b"just some notes, renamed to .jpg\n").unwrap_err();
        assert!(matches!(&err, BlobError::UnsupportedType { name } if name == "现场照片.jpg"), "{err:?}");
        assert_eq!(
            err.to_string(),
            "附件「现场照片.jpg」不是支持的图片或 PDF 格式 / \
             attachment '现场照片.jpg' is not a supported image or PDF (detected by content)"
        );
    }

    #[test]
    fn near_misses_are_refused() {
        let wave = b"RIFF\x24\x00\x00\x00WAVEfmt ".to_vec();
        let short_jpeg = b"\xFF\xD8".to_vec();
        let html_pdf = b"<html>%PDF-1.7".to_vec();
        for bytes in [wave, short_jpeg, html_pdf, ftyp(b"isom"), ftyp(b"avif"), ftyp(b"qt  ")] {
            assert!(
                matches!(check_attachment(&policy(), "x", &bytes), Err(BlobError::UnsupportedType { .. })),
                "{bytes:?}"
            );
        }
    }

    #[test]
    fn empty_file_is_refused() {
        assert!(matches!(check_attachment(&policy(), "a.png", b""), Err(BlobError::Empty { name }) if name == "a.png"));
    }

    #[test]
    fn size_limit_is_inclusive() {
        let small = AttachmentPolicy { max_bytes: JPEG.len() as u64, ..policy() };
        assert_eq!(check_attachment(&small, "a.jpg", JPEG).unwrap(), AttachmentKind::Jpeg);
        let tight = AttachmentPolicy { max_bytes: JPEG.len() as u64 - 1, ..policy() };
        let err = check_attachment(&tight, "a.jpg", JPEG).unwrap_err();
        assert!(
            matches!(err, BlobError::TooLarge { bytes, max, .. } if bytes == JPEG.len() as u64 && max == bytes - 1),
            "{err:?}"
        );
    }

    #[test]
    fn size_in_messages_never_looks_equal_to_the_limit() {
        let max = policy().max_bytes;
        assert_eq!(max, 10 * 1024 * 1024);
        let err = BlobError::TooLarge { name: "p.jpg".into(), bytes: max + 1, max };
        assert_eq!(
            err.to_string(),
            "附件「p.jpg」过大（10.1 MiB），上限为 10 MiB / attachment 'p.jpg' is too large (10.1 MiB; the limit is 10 MiB)"
        );
        assert_eq!(size_label(900, Rounding::Up), "900 B");
        assert_eq!(size_label(1536, Rounding::Down), "1.5 KiB");
        assert_eq!(size_label(u64::MAX, Rounding::Up), "17592186044416 MiB");
    }

    #[test]
    fn count_limit() {
        assert_eq!(policy().max_count, 9);
        assert!(check_count(&policy(), 0).is_ok());
        assert!(check_count(&policy(), 9).is_ok());
        let err = check_count(&policy(), 10).unwrap_err();
        assert!(matches!(err, BlobError::TooMany { count: 10, max: 9 }), "{err:?}");
        assert!(err.to_string().starts_with("附件最多 9 个，当前为 10 个 / "));
    }

    fn temp_files(root: &Path) -> Vec<PathBuf> {
        let mut found = Vec::new();
        let mut stack = vec![root.to_path_buf()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.file_name().unwrap().to_string_lossy().starts_with(TEMP_PREFIX) {
                    found.push(path);
                }
            }
        }
        found
    }

    #[tokio::test]
    async fn round_trip() {
        let tmp = TempDir::new();
        let store = BlobStore::open(tmp.0.join("nested/blobs")).unwrap();
        let blob = store.put(PDF).await.unwrap();
        assert_eq!(blob.kind, AttachmentKind::Pdf);
        assert_eq!(blob.size, PDF.len() as u64);
        assert_eq!(blob.sha256, hex::encode(Sha256::digest(PDF)));
        let path = store.dir().join(&blob.sha256[0..2]).join(&blob.sha256[2..4]).join(&blob.sha256);
        assert_eq!(std::fs::read(&path).unwrap(), PDF);
        assert_eq!(store.get(&blob.sha256).await.unwrap(), PDF);

        // Same content again: same reference, still one file, nothing left behind.
        assert_eq!(store.put(PDF).await.unwrap(), blob);
        assert_eq!(std::fs::read_dir(path.parent().unwrap()).unwrap().count(), 1);
        assert!(temp_files(store.dir()).is_empty());

        // A second handle on the same directory (another instance) sees it.
        let other = BlobStore::open(store.dir()).unwrap();
        assert_eq!(other.get(&blob.sha256).await.unwrap(), PDF);
    }

    /// Set a file's modification time `secs` seconds into the past.
    fn age(path: &Path, secs: u64) {
        let when = std::time::SystemTime::now() - std::time::Duration::from_secs(secs);
        File::options().write(true).open(path).unwrap().set_modified(when).unwrap();
    }

    #[tokio::test]
    async fn sweep_removes_old_unreferenced_blobs_and_leftovers_only() {
        let tmp = TempDir::new();
        let store = BlobStore::open(tmp.0.join("blobs")).unwrap();
        let path = |b: &BlobRef| blob_path(store.dir(), &b.sha256);
        let kept = store.put(PDF).await.unwrap();
        let orphan = store.put(b"%PDF-1.4 orphan").await.unwrap();
        let young = store.put(b"%PDF-1.4 young").await.unwrap();
        let revived = store.put(b"%PDF-1.4 stored again").await.unwrap();
        for b in [&kept, &orphan, &revived] {
            age(&path(b), 7200);
        }
        // Stored again (a new filing with the same photo): young once more.
        store.put(b"%PDF-1.4 stored again").await.unwrap();
        let leaf = path(&kept).parent().unwrap().to_owned();
        let leftover = leaf.join(format!("{TEMP_PREFIX}1-0000000000000001"));
        std::fs::write(&leftover, b"half").unwrap();
        age(&leftover, 7200);
        let foreign = store.dir().join("README.txt");
        std::fs::write(&foreign, b"not a blob").unwrap();
        age(&foreign, 7200);

        let referenced: std::collections::HashSet<String> = [kept.sha256.clone()].into();
        let hour = std::time::Duration::from_secs(3600);
        let dry = store.sweep(referenced.clone(), hour, true).await.unwrap();
        let want = Sweep { referenced: 1, removed: 1, removed_bytes: orphan.size, young: 2, temp_removed: 1 };
        assert_eq!(dry, want);
        assert!(path(&orphan).exists() && leftover.exists(), "a dry run removes nothing");

        assert_eq!(store.sweep(referenced.clone(), hour, false).await.unwrap(), want);
        assert!(!path(&orphan).exists() && !leftover.exists());
        for b in [&kept, &young, &revived] {
            assert!(path(b).exists(), "{} kept", b.sha256);
        }
        assert!(foreign.exists(), "files that are not blobs are left alone");
        assert_eq!(store.get(&kept.sha256).await.unwrap(), PDF);
        // Nothing left to do.
        let again = store.sweep(referenced, hour, false).await.unwrap();
        assert_eq!((again.removed, again.temp_removed), (0, 0));
    }

    #[tokio::test]
    async fn put_refuses_unsupported_and_empty_content() {
        let tmp = TempDir::new();
        let store = BlobStore::open(&tmp.0).unwrap();
        assert!(matches!(store.put(b"plain text").await, Err(BlobError::UnsupportedType { .. })));
        assert!(matches!(store.put(b"").await, Err(BlobError::Empty { .. })));
        assert_eq!(std::fs::read_dir(&tmp.0).unwrap().count(), 0, "nothing written");
    }

    #[tokio::test]
    async fn tampered_blob_is_caught_and_a_new_put_repairs_it() {
        let tmp = TempDir::new();
        let store = BlobStore::open(&tmp.0).unwrap();
        let blob = store.put(PNG).await.unwrap();
        let path = blob_path(store.dir(), &blob.sha256);

        let mut evil = PNG.to_vec();
        *evil.last_mut().unwrap() ^= 1;
        std::fs::write(&path, &evil).unwrap();
        assert!(matches!(store.get(&blob.sha256).await, Err(BlobError::Corrupt)));

        std::fs::write(&path, &PNG[..10]).unwrap();
        assert!(matches!(store.get(&blob.sha256).await, Err(BlobError::Corrupt)));

        assert_eq!(store.put(PNG).await.unwrap(), blob);
        assert_eq!(store.get(&blob.sha256).await.unwrap(), PNG);
    }

    #[tokio::test]
    async fn bad_or_unknown_sha256_is_refused() {
        let tmp = TempDir::new();
        let store = BlobStore::open(tmp.0.join("blobs")).unwrap();
        // A file outside the store that traversal would reach.
        std::fs::write(tmp.0.join("secret"), JPEG).unwrap();
        let blob = store.put(JPEG).await.unwrap();

        let bad = [
            String::new(),
            "../secret".to_owned(),
            format!("../../../{}", &blob.sha256[9..]),
            blob.sha256.to_uppercase(),
            blob.sha256[..63].to_owned(),
            format!("{}0", blob.sha256),
            format!("{}/", &blob.sha256[..63]),
            format!("{}g", &blob.sha256[..63]),
            format!("{}é", &blob.sha256[..62]),
        ];
        for sha in bad {
            assert!(matches!(store.get(&sha).await, Err(BlobError::NotFound)), "{sha:?}");
        }
        let absent = hex::encode(Sha256::digest(b"never stored"));
        assert!(matches!(store.get(&absent).await, Err(BlobError::NotFound)));
        assert_eq!(store.get(&blob.sha256).await.unwrap(), JPEG);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_puts_of_the_same_blob() {
        let tmp = TempDir::new();
        let mut photo = ftyp(b"heic");
        photo.resize(256 * 1024, 0x5A);
        let photo = Arc::new(photo);

        let tasks: Vec<_> = (0..16)
            .map(|_| {
                // A handle each, as separate app instances would have.
                let store = BlobStore::open(&tmp.0).unwrap();
                let photo = photo.clone();
                tokio::spawn(async move { store.put(&photo).await })
            })
            .collect();
        let mut refs = Vec::new();
        for task in tasks {
            refs.push(task.await.unwrap().unwrap());
        }
        assert!(refs.windows(2).all(|w| w[0] == w[1]));
        assert_eq!(refs[0].kind, AttachmentKind::Heic);

        let store = BlobStore::open(&tmp.0).unwrap();
        assert_eq!(store.get(&refs[0].sha256).await.unwrap(), *photo);
        assert!(temp_files(&tmp.0).is_empty());
    }

    /// The async test may let one writer finish before the others look; here threads
    /// are released together so they all find no blob and race on the rename.
    #[test]
    fn racing_writers_all_succeed() {
        let tmp = TempDir::new();
        std::fs::create_dir_all(&tmp.0).unwrap();
        let mut doc = PDF.to_vec();
        doc.resize(512 * 1024, b' ');
        let doc = Arc::new(doc);
        let barrier = Arc::new(Barrier::new(12));
        let threads: Vec<_> = (0..12)
            .map(|_| {
                let (root, doc, barrier) = (tmp.0.clone(), doc.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    put_blocking(&root, &doc)
                })
            })
            .collect();
        let refs: Vec<BlobRef> = threads.into_iter().map(|t| t.join().unwrap().unwrap()).collect();
        assert!(refs.windows(2).all(|w| w[0] == w[1]));
        let path = blob_path(&tmp.0, &refs[0].sha256);
        assert_eq!(std::fs::read(path).unwrap(), *doc);
        assert!(temp_files(&tmp.0).is_empty());
    }
}
