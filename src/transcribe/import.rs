//! Converts a CTranslate2 (faster-whisper) Whisper model into whisper.cpp's
//! ggml format, byte for byte what `convert-pt-to-ggml.py` writes for the
//! same weights: f16 matrices, f32 vectors, positional embeddings and conv
//! biases, openai-whisper tensor names.
//!
//! The output goes to a hidden temporary file beside the target and is renamed
//! into place only once complete and checked, so an interrupted import never
//! leaves a file that looks like a model.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use half::f16;

use super::ModelError;
use super::ct2::{Ct2Model, Dtype, Variable};
use super::ggml::{self, GgmlWriter, Hparams};
use super::mel;

/// Where a CTranslate2 model's files are.
#[derive(Debug, Clone)]
pub struct Ct2Source {
    /// `model.bin`.
    pub model: PathBuf,
    /// `vocabulary.txt` or `vocabulary.json`.
    pub vocabulary: PathBuf,
}

impl Ct2Source {
    /// Accepts a model directory or the path of its `model.bin`.
    pub fn locate(path: &Path) -> Result<Ct2Source, ModelError> {
        let dir = if path.is_dir() {
            path.to_path_buf()
        } else if path.is_file() {
            path.parent().unwrap_or(Path::new(".")).to_path_buf()
        } else {
            return Err(ModelError::Open {
                path: path.to_path_buf(),
                err: std::io::Error::from(std::io::ErrorKind::NotFound),
            });
        };
        let model = if path.is_file() {
            path.to_path_buf()
        } else {
            dir.join("model.bin")
        };
        if !model.is_file() {
            return Err(ModelError::UnsupportedLayout(format!(
                "{} has no model.bin; point at a faster-whisper (CTranslate2) model folder",
                dir.display()
            )));
        }
        let vocabulary = ["vocabulary.txt", "vocabulary.json"]
            .iter()
            .map(|n| dir.join(n))
            .find(|p| p.is_file())
            .ok_or_else(|| {
                ModelError::UnsupportedLayout(format!(
                    "{} has no vocabulary.txt or vocabulary.json beside model.bin",
                    dir.display()
                ))
            })?;
        Ok(Ct2Source { model, vocabulary })
    }
}

/// Ordinary (byte-pair) tokens shared by every Whisper vocabulary.
const ORDINARY_TOKENS: usize = 50_256;

/// Reads CTranslate2's vocabulary (GPT-2 byte-level symbols, one per line or
/// a JSON list) and rebuilds the raw bytes of the ordinary tokens as the ggml
/// vocabulary section holds them: `.en` files end with `<|endoftext|>`,
/// multilingual ones with the empty token of `multilingual.tiktoken`.
pub fn byte_vocabulary(path: &Path, multilingual: bool) -> Result<Vec<Vec<u8>>, ModelError> {
    let text = fs::read_to_string(path).map_err(|e| ModelError::Open {
        path: path.to_path_buf(),
        err: e,
    })?;
    let symbols: Vec<String> = if path.extension().is_some_and(|e| e == "json") {
        serde_json::from_str(&text)
            .map_err(|e| ModelError::UnsupportedLayout(format!("{}: {e}", path.display())))?
    } else {
        text.lines().map(str::to_owned).collect()
    };
    const EOT: &str = "<|endoftext|>";
    let eot = symbols.iter().position(|s| s == EOT).ok_or_else(|| {
        ModelError::UnsupportedLayout(format!("{} has no {EOT} token", path.display()))
    })?;
    let decode = unicode_to_byte();
    let ordinary = eot.min(ORDINARY_TOKENS);
    let mut tokens = Vec::with_capacity(ordinary + 1);
    for (i, sym) in symbols[..ordinary].iter().enumerate() {
        let bytes = sym
            .chars()
            .map(|c| decode.get(&c).copied())
            .collect::<Option<Vec<u8>>>()
            .ok_or_else(|| {
                ModelError::UnsupportedLayout(format!(
                    "{}:{}: token {sym:?} is not GPT-2 byte-level text",
                    path.display(),
                    i + 1
                ))
            })?;
        tokens.push(bytes);
    }
    tokens.push(if multilingual {
        Vec::new()
    } else {
        EOT.as_bytes().to_vec()
    });
    Ok(tokens)
}

/// GPT-2's reversible map from printable characters back to bytes.
fn unicode_to_byte() -> HashMap<char, u8> {
    let mut printable: Vec<u32> = (u32::from('!')..=u32::from('~')).collect();
    printable.extend(0xA1..=0xAC);
    printable.extend(0xAE..=0xFF);
    let mut map = HashMap::with_capacity(256);
    let mut extra = 0u32;
    for b in 0u32..256 {
        let c = if printable.contains(&b) {
            b
        } else {
            extra += 1;
            255 + extra
        };
        if let Some(ch) = char::from_u32(c) {
            map.insert(ch, b as u8);
        }
    }
    map
}

/// One ggml tensor to write: where its elements come from.
struct Plan<'m, 'a> {
    name: String,
    shape: Vec<usize>,
    f32_out: bool,
    source: &'m Variable<'a>,
    /// Element range of `source` (a row block of a fused matrix).
    first: usize,
    count: usize,
}

/// Builds the list of tensors in openai-whisper's state-dict order.
fn plan<'m, 'a>(m: &'m Ct2Model<'a>, h: &Hparams) -> Result<Vec<Plan<'m, 'a>>, ModelError> {
    let mut out = Vec::new();
    let mut add =
        |name: String, shape: Vec<usize>, var: &'m Variable<'a>, block: Option<(usize, usize)>| {
            let count: usize = shape.iter().product();
            let (first, expect_total) = match block {
                Some((index, of)) => (index * count, count * of),
                None => (0, count),
            };
            if var.len() != expect_total {
                return Err(ModelError::UnsupportedLayout(format!(
                    "`{name}` has {} elements, expected {expect_total}",
                    var.len()
                )));
            }
            // convert-pt-to-ggml.py keeps vectors, conv biases and positional embeddings in f32.
            let f32_out =
                shape.len() < 2 || name.ends_with("positional_embedding") || name.contains(".conv");
            let f32_out =
                f32_out && !name.ends_with("conv1.weight") && !name.ends_with("conv2.weight");
            out.push(Plan {
                name,
                shape,
                f32_out,
                source: var,
                first,
                count,
            });
            Ok(())
        };
    let (sa, st) = (h.n_audio_state as usize, h.n_text_state as usize);
    let ctx_a = h.n_audio_ctx as usize;
    let ctx_t = h.n_text_ctx as usize;
    let mels = h.n_mels as usize;

    add(
        "encoder.positional_embedding".into(),
        vec![ctx_a, sa],
        m.get("encoder/position_encodings/encodings")?,
        None,
    )?;
    add(
        "encoder.conv1.weight".into(),
        vec![sa, mels, 3],
        m.get("encoder/conv1/weight")?,
        None,
    )?;
    add(
        "encoder.conv1.bias".into(),
        vec![sa, 1],
        m.get("encoder/conv1/bias")?,
        None,
    )?;
    add(
        "encoder.conv2.weight".into(),
        vec![sa, sa, 3],
        m.get("encoder/conv2/weight")?,
        None,
    )?;
    add(
        "encoder.conv2.bias".into(),
        vec![sa, 1],
        m.get("encoder/conv2/bias")?,
        None,
    )?;
    for i in 0..h.n_audio_layer as usize {
        let src = format!("encoder/layer_{i}");
        let dst = format!("encoder.blocks.{i}");
        attention(
            &mut add,
            m,
            &format!("{src}/self_attention"),
            &format!("{dst}.attn"),
            sa,
            true,
        )?;
        layer_norm(
            &mut add,
            m,
            &format!("{src}/self_attention/layer_norm"),
            &format!("{dst}.attn_ln"),
            sa,
        )?;
        mlp(&mut add, m, &src, &dst, sa)?;
    }
    layer_norm(&mut add, m, "encoder/layer_norm", "encoder.ln_post", sa)?;

    add(
        "decoder.positional_embedding".into(),
        vec![ctx_t, st],
        m.get("decoder/position_encodings/encodings")?,
        None,
    )?;
    add(
        "decoder.token_embedding.weight".into(),
        vec![h.n_vocab as usize, st],
        m.get("decoder/embeddings/weight")?,
        None,
    )?;
    for i in 0..h.n_text_layer as usize {
        let src = format!("decoder/layer_{i}");
        let dst = format!("decoder.blocks.{i}");
        attention(
            &mut add,
            m,
            &format!("{src}/self_attention"),
            &format!("{dst}.attn"),
            st,
            true,
        )?;
        layer_norm(
            &mut add,
            m,
            &format!("{src}/self_attention/layer_norm"),
            &format!("{dst}.attn_ln"),
            st,
        )?;
        attention(
            &mut add,
            m,
            &format!("{src}/attention"),
            &format!("{dst}.cross_attn"),
            st,
            false,
        )?;
        layer_norm(
            &mut add,
            m,
            &format!("{src}/attention/layer_norm"),
            &format!("{dst}.cross_attn_ln"),
            st,
        )?;
        mlp(&mut add, m, &src, &dst, st)?;
    }
    layer_norm(&mut add, m, "decoder/layer_norm", "decoder.ln", st)?;
    Ok(out)
}

type Add<'x, 'm, 'a> = dyn FnMut(String, Vec<usize>, &'m Variable<'a>, Option<(usize, usize)>) -> Result<(), ModelError>
    + 'x;

/// Self-attention fuses q,k,v in `linear_0` and has `linear_1` as output;
/// cross-attention has q in `linear_0`, k and v fused in `linear_1`, output in
/// `linear_2`. The key bias is CTranslate2's zero filler and is dropped.
fn attention<'m, 'a>(
    add: &mut Add<'_, 'm, 'a>,
    m: &'m Ct2Model<'a>,
    src: &str,
    dst: &str,
    n: usize,
    fused_qkv: bool,
) -> Result<(), ModelError> {
    let w = |k: &str| m.get(&format!("{src}/{k}"));
    if fused_qkv {
        let (qkv_w, qkv_b) = (w("linear_0/weight")?, w("linear_0/bias")?);
        add(
            format!("{dst}.query.weight"),
            vec![n, n],
            qkv_w,
            Some((0, 3)),
        )?;
        add(format!("{dst}.query.bias"), vec![n], qkv_b, Some((0, 3)))?;
        add(format!("{dst}.key.weight"), vec![n, n], qkv_w, Some((1, 3)))?;
        add(
            format!("{dst}.value.weight"),
            vec![n, n],
            qkv_w,
            Some((2, 3)),
        )?;
        add(format!("{dst}.value.bias"), vec![n], qkv_b, Some((2, 3)))?;
        add(
            format!("{dst}.out.weight"),
            vec![n, n],
            w("linear_1/weight")?,
            None,
        )?;
        add(
            format!("{dst}.out.bias"),
            vec![n],
            w("linear_1/bias")?,
            None,
        )?;
    } else {
        let (kv_w, kv_b) = (w("linear_1/weight")?, w("linear_1/bias")?);
        add(
            format!("{dst}.query.weight"),
            vec![n, n],
            w("linear_0/weight")?,
            None,
        )?;
        add(
            format!("{dst}.query.bias"),
            vec![n],
            w("linear_0/bias")?,
            None,
        )?;
        add(format!("{dst}.key.weight"), vec![n, n], kv_w, Some((0, 2)))?;
        add(
            format!("{dst}.value.weight"),
            vec![n, n],
            kv_w,
            Some((1, 2)),
        )?;
        add(format!("{dst}.value.bias"), vec![n], kv_b, Some((1, 2)))?;
        add(
            format!("{dst}.out.weight"),
            vec![n, n],
            w("linear_2/weight")?,
            None,
        )?;
        add(
            format!("{dst}.out.bias"),
            vec![n],
            w("linear_2/bias")?,
            None,
        )?;
    }
    Ok(())
}

fn layer_norm<'m, 'a>(
    add: &mut Add<'_, 'm, 'a>,
    m: &'m Ct2Model<'a>,
    src: &str,
    dst: &str,
    n: usize,
) -> Result<(), ModelError> {
    add(
        format!("{dst}.weight"),
        vec![n],
        m.get(&format!("{src}/gamma"))?,
        None,
    )?;
    add(
        format!("{dst}.bias"),
        vec![n],
        m.get(&format!("{src}/beta"))?,
        None,
    )
}

fn mlp<'m, 'a>(
    add: &mut Add<'_, 'm, 'a>,
    m: &'m Ct2Model<'a>,
    src: &str,
    dst: &str,
    n: usize,
) -> Result<(), ModelError> {
    let w = |k: &str| m.get(&format!("{src}/ffn/{k}"));
    let inner = w("linear_0/bias")?.len();
    add(
        format!("{dst}.mlp.0.weight"),
        vec![inner, n],
        w("linear_0/weight")?,
        None,
    )?;
    add(
        format!("{dst}.mlp.0.bias"),
        vec![inner],
        w("linear_0/bias")?,
        None,
    )?;
    add(
        format!("{dst}.mlp.2.weight"),
        vec![n, inner],
        w("linear_1/weight")?,
        None,
    )?;
    add(
        format!("{dst}.mlp.2.bias"),
        vec![n],
        w("linear_1/bias")?,
        None,
    )?;
    layer_norm(
        add,
        m,
        &format!("{src}/ffn/layer_norm"),
        &format!("{dst}.mlp_ln"),
        n,
    )
}

/// Derives the ggml header from the CTranslate2 variables.
fn hparams(m: &Ct2Model) -> Result<Hparams, ModelError> {
    let dim = |name: &str, axis: usize| -> Result<i32, ModelError> {
        let v = m.get(name)?;
        v.dims.get(axis).map(|&d| d as i32).ok_or_else(|| {
            ModelError::UnsupportedLayout(format!("`{name}` has rank {}", v.dims.len()))
        })
    };
    let heads = |name: &str| -> Result<i32, ModelError> {
        m.get(name)?.scalar_int().map(|v| v as i32).ok_or_else(|| {
            ModelError::UnsupportedLayout(format!("`{name}` is not an integer scalar"))
        })
    };
    Ok(Hparams {
        n_vocab: dim("decoder/embeddings/weight", 0)?,
        n_audio_ctx: dim("encoder/position_encodings/encodings", 0)?,
        n_audio_state: dim("encoder/position_encodings/encodings", 1)?,
        n_audio_head: heads("encoder/num_heads")?,
        n_audio_layer: m.layer_count("encoder") as i32,
        n_text_ctx: dim("decoder/position_encodings/encodings", 0)?,
        n_text_state: dim("decoder/position_encodings/encodings", 1)?,
        n_text_head: heads("decoder/num_heads")?,
        n_text_layer: m.layer_count("decoder") as i32,
        n_mels: dim("encoder/conv1/weight", 1)?,
        ftype: 1,
    })
}

/// Refuses quantized or foreign models before any work is done.
fn check_supported(m: &Ct2Model) -> Result<(), ModelError> {
    if m.spec != "WhisperSpec" {
        return Err(ModelError::UnsupportedLayout(format!(
            "this CTranslate2 model is a {}, not a Whisper model",
            m.spec
        )));
    }
    for (name, v) in &m.variables {
        if name.ends_with("weight_scale")
            || (v.dims.len() >= 2 && !matches!(v.dtype, Dtype::F16 | Dtype::F32))
        {
            return Err(ModelError::Quantized(format!(
                "`{name}` is {:?}: this model is quantized (int8); convert the original with \
                 `ct2-transformers-converter --quantization float16` and import that",
                v.dtype
            )));
        }
    }
    Ok(())
}

fn element_f32(v: &Variable, i: usize) -> f32 {
    let d = v.data;
    match v.dtype {
        Dtype::F16 => f16::from_le_bytes([d[2 * i], d[2 * i + 1]]).to_f32(),
        Dtype::Bf16 => half::bf16::from_le_bytes([d[2 * i], d[2 * i + 1]]).to_f32(),
        _ => f32::from_le_bytes([d[4 * i], d[4 * i + 1], d[4 * i + 2], d[4 * i + 3]]),
    }
}

/// Encodes a plan's elements as f32 or f16 little-endian bytes.
fn encode(p: &Plan, buf: &mut Vec<u8>) {
    buf.clear();
    let v = p.source;
    let range = p.first..p.first + p.count;
    match (v.dtype, p.f32_out) {
        (Dtype::F16, false) => buf.extend_from_slice(&v.data[2 * range.start..2 * range.end]),
        (Dtype::F32, true) => buf.extend_from_slice(&v.data[4 * range.start..4 * range.end]),
        (_, true) => {
            for i in range {
                buf.extend_from_slice(&element_f32(v, i).to_le_bytes());
            }
        }
        (_, false) => {
            for i in range {
                buf.extend_from_slice(&f16::from_f32(element_f32(v, i)).to_le_bytes());
            }
        }
    }
}

/// What an import produced.
#[derive(Debug, Clone)]
pub struct Imported {
    /// Final path of the ggml file.
    pub path: PathBuf,
    /// Its header.
    pub hparams: Hparams,
    /// Its size in bytes.
    pub bytes: u64,
}

/// Checks a CTranslate2 `model.bin` image the way the importer does before it
/// writes anything: format, spec, hyperparameters and every tensor it would
/// convert. Untrusted bytes in, a typed error out; never a panic.
pub fn check_ct2(raw: &[u8]) -> Result<(Ct2Model<'_>, Hparams), ModelError> {
    let (model, h) = parse_supported(raw)?;
    plan(&model, &h)?;
    Ok((model, h))
}

/// The model and its hyperparameters, if its format and spec are ones the
/// importer knows (the tensors are checked by [`plan`]).
fn parse_supported(raw: &[u8]) -> Result<(Ct2Model<'_>, Hparams), ModelError> {
    let model = Ct2Model::parse(raw)?;
    check_supported(&model)?;
    let h = hparams(&model)?;
    Ok((model, h))
}

/// Converts `source` into a ggml file at `dest` (or `dest_dir/ggml-NAME.bin`
/// when `dest` is a directory). `progress(done, total)` is called as tensors
/// are written.
pub fn import(
    source: &Ct2Source,
    dest: &Path,
    mut progress: impl FnMut(u64, u64),
) -> Result<Imported, ModelError> {
    let raw = fs::read(&source.model).map_err(|e| ModelError::Open {
        path: source.model.clone(),
        err: e,
    })?;
    let (model, h) = parse_supported(&raw)?;
    // Every tensor is checked here, before anything is written.
    let plans = plan(&model, &h)?;
    let tokens = byte_vocabulary(&source.vocabulary, !h.english_only())?;
    let total: u64 = plans.iter().map(|p| p.count as u64).sum();

    let dest = if dest.is_dir() {
        dest.join(format!("ggml-{}.bin", h.model_name()))
    } else {
        dest.to_path_buf()
    };
    write_atomically(&dest, |tmp| {
        let bytes = write_ggml(tmp, &h, &tokens, &plans, total, &mut progress)?;
        Ok((bytes, h))
    })
}

/// Runs `write` on a hidden temporary file beside `dest`, checks the result
/// with [`ggml::inspect`] and only then renames it over `dest`, so a crash or
/// a bad write never leaves a half-written model under the real name.
pub(crate) fn write_atomically(
    dest: &Path,
    write: impl FnOnce(&Path) -> Result<(u64, Hparams), ModelError>,
) -> Result<Imported, ModelError> {
    let dir = dest
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(|e| ModelError::Write {
        path: dir.to_path_buf(),
        err: e,
    })?;
    let file_name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{file_name}.{}.importing", std::process::id()));
    let written = write(&tmp).and_then(|(bytes, hparams)| {
        // Never rename something whisper.cpp could choke on.
        ggml::inspect(&tmp)?;
        fs::rename(&tmp, dest).map_err(|e| ModelError::Write {
            path: dest.to_path_buf(),
            err: e,
        })?;
        Ok((bytes, hparams))
    });
    match written {
        Ok((bytes, hparams)) => Ok(Imported {
            path: dest.to_path_buf(),
            hparams,
            bytes,
        }),
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            Err(e)
        }
    }
}

fn write_ggml(
    tmp: &Path,
    h: &Hparams,
    tokens: &[Vec<u8>],
    plans: &[Plan],
    total: u64,
    progress: &mut impl FnMut(u64, u64),
) -> Result<u64, ModelError> {
    let wrap = |e: std::io::Error| ModelError::Write {
        path: tmp.to_path_buf(),
        err: e,
    };
    let mut w = GgmlWriter::create(tmp).map_err(wrap)?;
    w.header(h).map_err(wrap)?;
    let n_mels = h.n_mels as usize;
    w.mel_filters(n_mels, mel::N_BINS, &mel::filterbank(n_mels))
        .map_err(wrap)?;
    w.vocabulary(tokens).map_err(wrap)?;
    let mut buf = Vec::new();
    let mut done = 0u64;
    for p in plans {
        encode(p, &mut buf);
        w.tensor(&p.name, &p.shape, if p.f32_out { 0 } else { 1 }, &buf)
            .map_err(wrap)?;
        done += p.count as u64;
        progress(done, total);
    }
    w.finish_synced().map_err(wrap)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_decoder_covers_all_bytes() {
        let map = unicode_to_byte();
        assert_eq!(map.len(), 256);
        assert_eq!(map[&'Ġ'], b' ');
        assert_eq!(map[&'!'], b'!');
        assert_eq!(map[&'Ċ'], b'\n');
    }

    #[test]
    fn vocabulary_ends_at_endoftext() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("vocabulary.txt");
        fs::write(&p, "!\nĠthe\n<|endoftext|>\n<|startoftranscript|>\n").unwrap();
        let v = byte_vocabulary(&p, false).unwrap();
        assert_eq!(
            v,
            vec![b"!".to_vec(), b" the".to_vec(), b"<|endoftext|>".to_vec()]
        );
    }
}
