//! Which models exist, where to find them, and which one to use.
//!
//! Order of preference when no model is named: `--model PATH`, then
//! `$REHEARSE_MODEL`, then the first of [`PREFERENCE`] found in the search
//! folders ([`search_dirs`]), then any other `ggml-*.bin` there.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::{ModelError, ggml};

/// An official whisper.cpp ggml file, as published upstream.
#[derive(Debug, Clone, Copy)]
pub struct Official {
    /// Short name, e.g. `tiny.en`.
    pub name: &'static str,
    /// File name, e.g. `ggml-tiny.en.bin`.
    pub file: &'static str,
    /// Size in bytes.
    pub bytes: u64,
    /// sha256 of the published file.
    pub sha256: &'static str,
}

/// The models `rehearse model fetch` knows, with their pinned checksums.
pub const OFFICIAL: &[Official] = &[
    Official {
        name: "tiny.en",
        file: "ggml-tiny.en.bin",
        bytes: 77_704_715,
        sha256: "921e4cf8686fdd993dcd081a5da5b6c365bfde1162e72b08d75ac75289920b1f",
    },
    Official {
        name: "base.en",
        file: "ggml-base.en.bin",
        bytes: 147_964_211,
        sha256: "a03779c86df3323075f5e796cb2ce5029f00ec8869eee3fdfb897afe36c6d002",
    },
    Official {
        name: "base",
        file: "ggml-base.bin",
        bytes: 147_951_465,
        sha256: "60ed5bc3dd14eea856493d334349b405782ddcaf0028d4b5df4088345fba2efe",
    },
    Official {
        name: "small.en",
        file: "ggml-small.en.bin",
        bytes: 487_614_201,
        sha256: "c6138d6d58ecc8322097e0f987c32f1be8bb0a18532a3f88f734d1bbf9c41e5d",
    },
];

/// Looks up an official model by short name.
pub fn official(name: &str) -> Option<&'static Official> {
    OFFICIAL.iter().find(|m| m.name == name)
}

/// sha256 sums of the models `scripts/fetch-model` imports from PyPI.
pub const IMPORTED_SUMS: &str = include_str!("../../models/SHA256SUMS");

/// Preference when no model is named: fast English models first, since the
/// report must be ready the moment the answer ends; tiny.en's q8_0 weights
/// (`scripts/fetch-model` makes them) before its f16 ones, being as accurate
/// on the labelled set (11.6 % WER against 11.7 %) and faster (BENCHMARKS.md).
pub const PREFERENCE: &[&str] = &[
    "ggml-tiny.en-q8_0.bin",
    "ggml-tiny.en.bin",
    "ggml-base.en.bin",
    "ggml-base.bin",
    "ggml-small.en.bin",
    "ggml-tiny.bin",
];

/// The user's data folder (`$REHEARSE_DATA_DIR`, else the platform's).
pub fn data_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("REHEARSE_DATA_DIR") {
        return Some(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("", "", "rehearse").map(|d| d.data_dir().to_path_buf())
}

/// Folders searched for models, in order: `./models`, the data folder's
/// `models/`, and the source checkout's `models/` this binary was built from.
pub fn search_dirs() -> Vec<PathBuf> {
    let mut dirs = vec![PathBuf::from("models")];
    if let Some(d) = data_dir() {
        dirs.push(d.join("models"));
    }
    let built = Path::new(env!("CARGO_MANIFEST_DIR")).join("models");
    if built.is_dir() {
        dirs.push(built);
    }
    dirs
}

/// Resolves the model to use.
pub fn resolve(explicit: Option<&Path>) -> Result<PathBuf, ModelError> {
    if let Some(p) = explicit {
        return existing(p);
    }
    if let Some(p) = std::env::var_os("REHEARSE_MODEL") {
        return existing(Path::new(&p));
    }
    let dirs = search_dirs();
    for dir in &dirs {
        for name in PREFERENCE {
            let p = dir.join(name);
            if p.is_file() {
                return Ok(p);
            }
        }
    }
    if let Some(first) = dirs.iter().flat_map(|d| ggml_files(d)).next() {
        return Ok(first);
    }
    Err(ModelError::Missing {
        searched: dirs
            .iter()
            .map(|d| d.display().to_string())
            .collect::<Vec<_>>()
            .join(", "),
    })
}

fn existing(p: &Path) -> Result<PathBuf, ModelError> {
    if p.is_file() {
        Ok(p.to_path_buf())
    } else {
        Err(ModelError::Missing {
            searched: p.display().to_string(),
        })
    }
}

/// `ggml-*.bin` files in a folder, sorted.
pub fn ggml_files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("ggml-") && n.ends_with(".bin"))
        })
        .collect();
    out.sort();
    out
}

/// How a model file's bytes compare with what is pinned.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Provenance {
    /// Byte-identical to the official upstream file.
    Official,
    /// Byte-identical to our pinned PyPI import.
    PinnedImport,
    /// Structurally sound, but not a pinned build.
    Unpinned,
}

/// One model found on disk.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Found {
    /// Path.
    pub path: PathBuf,
    /// Size in bytes.
    pub bytes: u64,
    /// e.g. `tiny.en`.
    pub kind: String,
    /// e.g. `f16`.
    pub weights: String,
    /// sha256 of the file.
    pub sha256: String,
    /// Whether the digest matches a pinned one.
    pub provenance: Provenance,
}

/// sha256 of a file, hex.
pub fn sha256_file(path: &Path) -> Result<String, ModelError> {
    let file = File::open(path).map_err(|e| ModelError::Open {
        path: path.to_path_buf(),
        err: e,
    })?;
    let mut r = BufReader::with_capacity(1 << 20, file);
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = r.read(&mut buf).map_err(|e| ModelError::Open {
            path: path.to_path_buf(),
            err: e,
        })?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex(&h.finalize()))
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Checks a model file's structure and provenance.
pub fn examine(path: &Path) -> Result<Found, ModelError> {
    let info = ggml::inspect(path).map_err(|e| e.in_file(path))?;
    let sha256 = sha256_file(path)?;
    let provenance = if OFFICIAL.iter().any(|o| o.sha256 == sha256) {
        Provenance::Official
    } else if IMPORTED_SUMS
        .lines()
        .filter(|l| !l.starts_with('#'))
        .any(|l| l.split_whitespace().next() == Some(sha256.as_str()))
    {
        Provenance::PinnedImport
    } else {
        Provenance::Unpinned
    };
    Ok(Found {
        path: path.to_path_buf(),
        bytes: info.file_size,
        kind: info.hparams.model_name(),
        weights: info.hparams.weight_type().to_string(),
        sha256,
        provenance,
    })
}

/// Every model in the search folders (or just `explicit`).
pub fn discover(explicit: Option<&Path>) -> Vec<PathBuf> {
    if let Some(p) = explicit {
        return vec![p.to_path_buf()];
    }
    if let Some(p) = std::env::var_os("REHEARSE_MODEL") {
        return vec![PathBuf::from(p)];
    }
    let mut seen = Vec::new();
    for dir in search_dirs() {
        for p in ggml_files(&dir) {
            let canon = p.canonicalize().unwrap_or(p.clone());
            if !seen.iter().any(|(c, _): &(PathBuf, PathBuf)| *c == canon) {
                seen.push((canon, p));
            }
        }
    }
    seen.into_iter().map(|(_, p)| p).collect()
}
