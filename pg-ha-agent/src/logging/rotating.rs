//! `log.dir`: `patroni.log` rotated by size as Patroni's `RotatingFileHandler` does: when a
//! write would pass `file_size`, `patroni.log.N-1` becomes `patroni.log.N` (the oldest beyond
//! `file_num` is dropped) and a new `patroni.log` starts.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The log file's name, as Patroni's (so that existing log shippers keep working).
pub const FILE_NAME: &str = "patroni.log";

/// A size-rotated log file; cheap to clone (one shared file).
#[derive(Clone)]
pub struct RotatingFile {
    inner: Arc<Mutex<Inner>>,
}

struct Inner {
    path: PathBuf,
    file: File,
    size: u64,
    max_size: u64,
    keep: u32,
    mode: u32,
}

impl RotatingFile {
    /// Opens (appends to) `dir/patroni.log`, creating `dir` if needed.
    pub fn open(dir: &Path, max_size: u64, keep: u32, mode: u32) -> std::io::Result<RotatingFile> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join(FILE_NAME);
        let file = open(&path, mode)?;
        let size = file.metadata()?.len();
        Ok(RotatingFile {
            inner: Arc::new(Mutex::new(Inner {
                path,
                file,
                size,
                max_size,
                keep,
                mode,
            })),
        })
    }
}

fn open(path: &Path, mode: u32) -> std::io::Result<File> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .mode(mode)
        .open(path)
}

impl Inner {
    fn rotate(&mut self) -> std::io::Result<()> {
        let numbered = |n: u32| PathBuf::from(format!("{}.{n}", self.path.display()));
        if self.keep == 0 {
            self.file.set_len(0)?;
        } else {
            let _ = std::fs::remove_file(numbered(self.keep));
            for n in (1..self.keep).rev() {
                let _ = std::fs::rename(numbered(n), numbered(n + 1));
            }
            std::fs::rename(&self.path, numbered(1))?;
            self.file = open(&self.path, self.mode)?;
        }
        self.size = 0;
        Ok(())
    }
}

impl Write for RotatingFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if inner.size > 0 && inner.size + buf.len() as u64 > inner.max_size {
            inner.rotate()?;
        }
        inner.file.write_all(buf)?;
        inner.size += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.file.flush()
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for RotatingFile {
    type Writer = RotatingFile;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn rotates_by_size_and_keeps_file_num_files() {
        let dir = std::env::temp_dir().join(format!("pgha-rotate-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut log = RotatingFile::open(&dir, 100, 2, 0o640).expect("opens");
        for i in 0..10 {
            // One write per line, as the subscriber writes one per event: 40 bytes.
            log.write_all(format!("{i:039}\n").as_bytes())
                .expect("writes");
        }
        let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap_or_default();
        assert_eq!(read(FILE_NAME).lines().count(), 2);
        assert_eq!(read("patroni.log.1").lines().count(), 2);
        assert_eq!(read("patroni.log.2").lines().count(), 2);
        assert!(!dir.join("patroni.log.3").exists());
        assert!(read(FILE_NAME).ends_with(&format!("{:039}\n", 9)));
        let mode = std::fs::metadata(dir.join(FILE_NAME))
            .expect("exists")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o640);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
