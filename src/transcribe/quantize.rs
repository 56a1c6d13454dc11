//! Quantizes a ggml Whisper model (f16 or f32) to q8_0, q5_1 or q5_0, exactly
//! as whisper.cpp's own `quantize` tool does: only 2-D weight matrices are
//! quantized; biases, norms, convolutions and positional embeddings are copied.
//! The blocks are computed by ggml itself (linked through whisper-rs-sys), so
//! the output is byte-for-byte deterministic for a given input.

use std::fs::File;
use std::io::{BufReader, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use half::f16;

use super::ModelError;
use super::ggml::{self, GgmlWriter, Hparams, read_exact, read_i32};
use super::import::{Imported, write_atomically};

/// whisper.cpp folds this quantization version into the header's `ftype`.
const QNT_VERSION: i32 = 2;
/// Tensors whisper.cpp's quantizer never quantizes, whatever their shape.
const NEVER_QUANTIZED: [&str; 4] = [
    "encoder.conv1.bias",
    "encoder.conv2.bias",
    "encoder.positional_embedding",
    "decoder.positional_embedding",
];

/// A quantized weight type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantization {
    /// 8-bit blocks of 32: near-lossless, half the size of f16.
    Q8_0,
    /// 5-bit blocks of 32 with a minimum: smaller, slightly lossy.
    Q5_1,
    /// 5-bit blocks of 32 without a minimum.
    Q5_0,
}

impl Quantization {
    /// Parses `q8_0`, `q5_1` or `q5_0`.
    pub fn parse(name: &str) -> Option<Quantization> {
        match name {
            "q8_0" => Some(Quantization::Q8_0),
            "q5_1" => Some(Quantization::Q5_1),
            "q5_0" => Some(Quantization::Q5_0),
            _ => None,
        }
    }

    /// Its name, as in model file names (`ggml-tiny.en-q8_0.bin`).
    pub fn name(self) -> &'static str {
        match self {
            Quantization::Q8_0 => "q8_0",
            Quantization::Q5_1 => "q5_1",
            Quantization::Q5_0 => "q5_0",
        }
    }

    /// The ggml tensor type.
    fn tensor_type(self) -> whisper_rs_sys::ggml_type {
        match self {
            Quantization::Q8_0 => whisper_rs_sys::ggml_type_GGML_TYPE_Q8_0,
            Quantization::Q5_1 => whisper_rs_sys::ggml_type_GGML_TYPE_Q5_1,
            Quantization::Q5_0 => whisper_rs_sys::ggml_type_GGML_TYPE_Q5_0,
        }
    }

    /// The whole-file type code (ggml's `ggml_ftype`) written in the header.
    fn file_type(self) -> i32 {
        match self {
            Quantization::Q8_0 => 7,
            Quantization::Q5_1 => 9,
            Quantization::Q5_0 => 8,
        }
    }
}

/// Where `quantize` writes by default: `ggml-NAME-q8_0.bin` next to the source.
pub fn default_destination(source: &Path, q: Quantization) -> PathBuf {
    let stem = source
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "model".into());
    source.with_file_name(format!("{stem}-{}.bin", q.name()))
}

/// Writes a quantized copy of `source` at `dest`. The source is checked
/// first; the result is checked before it replaces anything.
pub fn quantize(
    source: &Path,
    dest: &Path,
    q: Quantization,
    mut progress: impl FnMut(u64, u64),
) -> Result<Imported, ModelError> {
    let info = ggml::inspect(source)?;
    if info.hparams.weight_type() != "f16" && info.hparams.weight_type() != "f32" {
        return Err(ModelError::CannotQuantize(format!(
            "{} is already {}; quantize an f16 or f32 model",
            source.display(),
            info.hparams.weight_type()
        )));
    }
    let hparams = Hparams {
        ftype: QNT_VERSION * 1000 + q.file_type(),
        ..info.hparams
    };
    let open = |e| ModelError::Open {
        path: source.to_path_buf(),
        err: e,
    };
    let total = info.file_size;
    write_atomically(dest, |tmp| {
        let wrap = |e: std::io::Error| ModelError::Write {
            path: tmp.to_path_buf(),
            err: e,
        };
        let mut r = BufReader::with_capacity(1 << 20, File::open(source).map_err(open)?);
        let mut w = GgmlWriter::create(tmp).map_err(wrap)?;
        w.header(&hparams).map_err(wrap)?;
        r.seek(SeekFrom::Start(4 + 11 * 4)).map_err(open)?;

        // Mel filters and vocabulary are copied unchanged.
        let n_mel = read_i32(&mut r, "the mel filter header")?;
        let n_fft = read_i32(&mut r, "the mel filter header")?;
        let mut filters = vec![0u8; 4 * n_mel as usize * n_fft as usize];
        read_exact(&mut r, &mut filters, "the mel filters")?;
        let filters: Vec<f32> = filters
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        w.mel_filters(n_mel as usize, n_fft as usize, &filters)
            .map_err(wrap)?;
        let n_tokens = read_i32(&mut r, "the vocabulary size")?;
        let mut tokens = Vec::with_capacity(n_tokens as usize);
        for _ in 0..n_tokens {
            let len = read_i32(&mut r, "the vocabulary")?;
            let mut t = vec![0u8; len as usize];
            read_exact(&mut r, &mut t, "the vocabulary")?;
            tokens.push(t);
        }
        w.vocabulary(&tokens).map_err(wrap)?;
        // Header, filters and vocabulary are as long here as in the source.
        let mut consumed = w.written;

        let mut raw = Vec::new();
        let mut quantized = Vec::new();
        for _ in 0..info.tensors {
            let n_dims = read_i32(&mut r, "a tensor header")?;
            let name_len = read_i32(&mut r, "a tensor header")?;
            let ttype = read_i32(&mut r, "a tensor header")?;
            let mut dims = Vec::with_capacity(n_dims as usize);
            for _ in 0..n_dims {
                dims.push(read_i32(&mut r, "a tensor shape")? as usize);
            }
            let mut name = vec![0u8; name_len as usize];
            read_exact(&mut r, &mut name, "a tensor name")?;
            let name = String::from_utf8_lossy(&name).into_owned();
            let elements: usize = dims.iter().product();
            let bytes = match ttype {
                0 => 4 * elements,
                1 => 2 * elements,
                other => {
                    return Err(ModelError::CannotQuantize(format!(
                        "tensor `{name}` has type {other}; only f16/f32 models can be quantized"
                    )));
                }
            };
            raw.resize(bytes, 0);
            read_exact(&mut r, &mut raw, "tensor data")?;
            // ggml writes dimensions innermost first; the writer wants PyTorch order.
            let shape: Vec<usize> = dims.iter().rev().copied().collect();
            if n_dims == 2 && !NEVER_QUANTIZED.contains(&name.as_str()) {
                let values = to_f32(&raw, ttype);
                quantize_rows(q, &values, dims[0], &mut quantized);
                w.tensor(&name, &shape, q.tensor_type() as i32, &quantized)
                    .map_err(wrap)?;
            } else {
                w.tensor(&name, &shape, ttype, &raw).map_err(wrap)?;
            }
            consumed += bytes as u64;
            progress(consumed.min(total), total);
        }
        Ok((w.finish_synced().map_err(wrap)?, hparams))
    })
}

fn to_f32(raw: &[u8], ttype: i32) -> Vec<f32> {
    if ttype == 0 {
        raw.chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect()
    } else {
        raw.chunks_exact(2)
            .map(|b| f16::from_le_bytes([b[0], b[1]]).to_f32())
            .collect()
    }
}

/// Quantizes `values`, rows of `row_len`, into `out` with ggml's own kernels.
fn quantize_rows(q: Quantization, values: &[f32], row_len: usize, out: &mut Vec<u8>) {
    let rows = values.len() / row_len;
    // SAFETY: ggml_row_size is a pure function of its arguments.
    let row_bytes = unsafe { whisper_rs_sys::ggml_row_size(q.tensor_type(), row_len as i64) };
    out.clear();
    out.resize(rows * row_bytes, 0);
    // SAFETY: `values` holds rows × row_len floats and `out` holds rows ×
    // row_bytes bytes, exactly what ggml_quantize_chunk reads and writes; the
    // types used need no importance matrix, so null is allowed.
    let written = unsafe {
        whisper_rs_sys::ggml_quantize_init(q.tensor_type());
        whisper_rs_sys::ggml_quantize_chunk(
            q.tensor_type(),
            values.as_ptr(),
            out.as_mut_ptr().cast(),
            0,
            rows as i64,
            row_len as i64,
            std::ptr::null(),
        )
    };
    debug_assert_eq!(written, out.len());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn q8_0_round_trips_within_a_step() {
        let values: Vec<f32> = (0..64).map(|i| (i as f32 - 31.5) / 10.0).collect();
        let mut out = Vec::new();
        quantize_rows(Quantization::Q8_0, &values, 64, &mut out);
        // Two blocks of 32: an f16 scale and 32 signed bytes each.
        assert_eq!(out.len(), 2 * 34);
        let scale = f16::from_le_bytes([out[0], out[1]]).to_f32();
        let first = out[2] as i8 as f32 * scale;
        assert!(
            (first - values[0]).abs() <= scale,
            "{first} vs {}",
            values[0]
        );
    }

    #[test]
    fn names_round_trip() {
        for q in [Quantization::Q8_0, Quantization::Q5_1, Quantization::Q5_0] {
            assert_eq!(Quantization::parse(q.name()), Some(q));
        }
        assert_eq!(
            default_destination(Path::new("models/ggml-tiny.en.bin"), Quantization::Q5_1),
            Path::new("models/ggml-tiny.en-q5_1.bin")
        );
    }
}
