//! whisper.cpp's ggml model format: a structural check that runs before a file
//! is handed to whisper.cpp (which can crash on bad input), and the writer
//! primitives the importer uses.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::Path;

use super::ModelError;

/// The file magic, "ggml" as a little-endian i32.
pub const MAGIC: u32 = 0x6767_6d6c;
/// whisper.cpp folds the quantization version into `ftype` with this factor.
const QNT_VERSION_FACTOR: i32 = 1000;

/// The hyper-parameters in a ggml Whisper header, in file order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Hparams {
    /// Vocabulary size (51864 for `.en` models, 51865 multilingual).
    pub n_vocab: i32,
    /// Encoder context (1500).
    pub n_audio_ctx: i32,
    /// Encoder width.
    pub n_audio_state: i32,
    /// Encoder attention heads.
    pub n_audio_head: i32,
    /// Encoder layers.
    pub n_audio_layer: i32,
    /// Decoder context (448).
    pub n_text_ctx: i32,
    /// Decoder width.
    pub n_text_state: i32,
    /// Decoder attention heads.
    pub n_text_head: i32,
    /// Decoder layers.
    pub n_text_layer: i32,
    /// Mel bands (80, or 128 for large-v3).
    pub n_mels: i32,
    /// Weight type of the matrices (1 = f16; quantized types fold in a version).
    pub ftype: i32,
}

impl Hparams {
    fn as_array(&self) -> [i32; 11] {
        [
            self.n_vocab,
            self.n_audio_ctx,
            self.n_audio_state,
            self.n_audio_head,
            self.n_audio_layer,
            self.n_text_ctx,
            self.n_text_state,
            self.n_text_head,
            self.n_text_layer,
            self.n_mels,
            self.ftype,
        ]
    }

    /// The conventional size name: tiny, base, small, medium or large.
    pub fn size_name(&self) -> &'static str {
        match self.n_audio_layer {
            4 => "tiny",
            6 => "base",
            12 => "small",
            24 => "medium",
            32 => "large",
            _ => "custom",
        }
    }

    /// True for English-only models.
    pub fn english_only(&self) -> bool {
        self.n_vocab == 51864
    }

    /// A name such as `tiny.en` or `base`.
    pub fn model_name(&self) -> String {
        let suffix = if self.english_only() { ".en" } else { "" };
        format!("{}{suffix}", self.size_name())
    }

    /// The weight type's name, such as `f16` or `q5_1`.
    pub fn weight_type(&self) -> &'static str {
        match self.ftype % QNT_VERSION_FACTOR {
            0 => "f32",
            1 => "f16",
            2 => "q4_0",
            3 => "q4_1",
            8 => "q5_0",
            9 => "q5_1",
            7 => "q8_0",
            _ => "unknown",
        }
    }

    /// How many tensors a complete file of this shape holds.
    pub fn expected_tensors(&self) -> usize {
        let enc = 7 + 15 * self.n_audio_layer.max(0) as usize;
        let dec = 4 + 24 * self.n_text_layer.max(0) as usize;
        enc + dec
    }

    fn check(&self) -> Result<(), String> {
        let in_range = |v: i32, lo: i32, hi: i32, what: &str| {
            if (lo..=hi).contains(&v) {
                Ok(())
            } else {
                Err(format!("{what} = {v} is outside {lo}..={hi}"))
            }
        };
        in_range(self.n_vocab, 1, 1 << 20, "n_vocab")?;
        in_range(self.n_audio_ctx, 1, 1 << 16, "n_audio_ctx")?;
        in_range(self.n_audio_state, 1, 1 << 14, "n_audio_state")?;
        in_range(self.n_audio_head, 1, 1024, "n_audio_head")?;
        in_range(self.n_audio_layer, 1, 256, "n_audio_layer")?;
        in_range(self.n_text_ctx, 1, 1 << 16, "n_text_ctx")?;
        in_range(self.n_text_state, 1, 1 << 14, "n_text_state")?;
        in_range(self.n_text_head, 1, 1024, "n_text_head")?;
        in_range(self.n_text_layer, 1, 256, "n_text_layer")?;
        in_range(self.n_mels, 1, 512, "n_mels")?;
        if self.weight_type() == "unknown" || self.ftype < 0 {
            return Err(format!("unknown weight type {}", self.ftype));
        }
        Ok(())
    }
}

/// What a structural check of a ggml file found.
#[derive(Debug, Clone, serde::Serialize)]
pub struct GgmlInfo {
    /// The header's hyper-parameters.
    pub hparams: Hparams,
    /// Tokens stored in the vocabulary section.
    pub vocab_tokens: usize,
    /// Tensors found.
    pub tensors: usize,
    /// File size in bytes.
    pub file_size: u64,
}

/// Bytes a tensor of `elements` elements takes for ggml type `ttype`.
fn tensor_bytes(ttype: i32, elements: u64) -> Option<u64> {
    // (block size, bytes per block) of the ggml types whisper.cpp files use.
    let (block, bytes) = match ttype {
        0 => (1, 4),
        1 => (1, 2),
        2 => (32, 18),
        3 => (32, 20),
        6 => (32, 22),
        7 => (32, 24),
        8 => (32, 34),
        _ => return None,
    };
    if !elements.is_multiple_of(block) {
        return None;
    }
    (elements / block).checked_mul(bytes)
}

/// Checks that `path` is a complete, well-formed whisper.cpp model without
/// loading any weights. Every failure says exactly what is wrong.
pub fn inspect(path: &Path) -> Result<GgmlInfo, ModelError> {
    let file = File::open(path).map_err(|e| ModelError::Open {
        path: path.to_path_buf(),
        err: e,
    })?;
    let file_size = file
        .metadata()
        .map_err(|e| ModelError::Open {
            path: path.to_path_buf(),
            err: e,
        })?
        .len();
    inspect_reader(BufReader::new(file), file_size)
}

/// [`inspect`] on any seekable reader of `file_size` bytes.
pub fn inspect_reader<R: Read + Seek>(mut r: R, file_size: u64) -> Result<GgmlInfo, ModelError> {
    if file_size == 0 {
        return Err(ModelError::NotGgml("the file is empty".into()));
    }
    let mut head = [0u8; 4];
    if file_size < 4 {
        return Err(ModelError::NotGgml(format!(
            "the file is only {file_size} bytes"
        )));
    }
    read_exact(&mut r, &mut head, "the magic number")?;
    let magic = u32::from_le_bytes(head);
    if magic != MAGIC {
        return Err(ModelError::NotGgml(describe_foreign(&head)));
    }
    let mut h = [0i32; 11];
    for v in h.iter_mut() {
        *v = read_i32(&mut r, "the header")?;
    }
    let hparams = Hparams {
        n_vocab: h[0],
        n_audio_ctx: h[1],
        n_audio_state: h[2],
        n_audio_head: h[3],
        n_audio_layer: h[4],
        n_text_ctx: h[5],
        n_text_state: h[6],
        n_text_head: h[7],
        n_text_layer: h[8],
        n_mels: h[9],
        ftype: h[10],
    };
    hparams.check().map_err(ModelError::Corrupt)?;

    let n_mel = read_i32(&mut r, "the mel filter header")?;
    let n_fft = read_i32(&mut r, "the mel filter header")?;
    if n_mel != hparams.n_mels || !(1..=4096).contains(&n_fft) {
        return Err(ModelError::Corrupt(format!(
            "mel filter section is {n_mel}×{n_fft}, expected {}×201",
            hparams.n_mels
        )));
    }
    skip(
        &mut r,
        4 * n_mel as u64 * n_fft as u64,
        file_size,
        "the mel filters",
    )?;

    let vocab = read_i32(&mut r, "the vocabulary size")?;
    if !(0..=hparams.n_vocab).contains(&vocab) {
        return Err(ModelError::Corrupt(format!(
            "vocabulary holds {vocab} tokens but the header allows {}",
            hparams.n_vocab
        )));
    }
    for i in 0..vocab {
        let len = read_i32(&mut r, "the vocabulary")?;
        if !(0..=1024).contains(&len) {
            return Err(ModelError::Corrupt(format!("token {i} has length {len}")));
        }
        skip(&mut r, len as u64, file_size, "the vocabulary")?;
    }

    let mut tensors = 0usize;
    let mut pos = r
        .stream_position()
        .map_err(|e| ModelError::Corrupt(e.to_string()))?;
    while pos < file_size {
        let n_dims = read_i32(&mut r, "a tensor header")?;
        let name_len = read_i32(&mut r, "a tensor header")?;
        let ttype = read_i32(&mut r, "a tensor header")?;
        if !(1..=4).contains(&n_dims) || !(1..=256).contains(&name_len) {
            return Err(ModelError::Corrupt(format!(
                "tensor {tensors} has a bad header ({n_dims} dims, name of {name_len} bytes)"
            )));
        }
        let mut elements = 1u64;
        for _ in 0..n_dims {
            let d = read_i32(&mut r, "a tensor shape")?;
            if d < 1 {
                return Err(ModelError::Corrupt(format!(
                    "tensor {tensors} has dimension {d}"
                )));
            }
            elements = elements.saturating_mul(d as u64);
        }
        let mut name = vec![0u8; name_len as usize];
        read_exact(&mut r, &mut name, "a tensor name")?;
        let name = String::from_utf8_lossy(&name).into_owned();
        let bytes = tensor_bytes(ttype, elements).ok_or_else(|| {
            ModelError::Corrupt(format!("tensor `{name}` has unknown type {ttype}"))
        })?;
        skip(&mut r, bytes, file_size, &format!("tensor `{name}`"))?;
        tensors += 1;
        pos = r
            .stream_position()
            .map_err(|e| ModelError::Corrupt(e.to_string()))?;
    }
    let expected = hparams.expected_tensors();
    if tensors != expected {
        return Err(ModelError::Truncated(format!(
            "holds {tensors} of the {expected} tensors a {} model needs",
            hparams.model_name()
        )));
    }
    Ok(GgmlInfo {
        hparams,
        vocab_tokens: vocab as usize,
        tensors,
        file_size,
    })
}

/// Names what a file with these first bytes probably is.
fn describe_foreign(head: &[u8; 4]) -> String {
    if head == b"GGUF" {
        return "this is a GGUF file; whisper.cpp needs the older ggml `.bin` format".into();
    }
    if u32::from_le_bytes(*head) == 6 {
        return "this looks like a CTranslate2 model: convert it with `rehearse model import`"
            .into();
    }
    if head
        .iter()
        .all(|b| b.is_ascii_graphic() || b.is_ascii_whitespace())
    {
        return "this is a text file, not a model (a failed download saves an error page)".into();
    }
    format!("it starts with bytes {:02x?}, not the ggml magic", head)
}

pub(super) fn read_exact<R: Read>(r: &mut R, buf: &mut [u8], what: &str) -> Result<(), ModelError> {
    r.read_exact(buf).map_err(|e| {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            ModelError::Truncated(format!("the file ends inside {what}"))
        } else {
            ModelError::Corrupt(e.to_string())
        }
    })
}

pub(super) fn read_i32<R: Read>(r: &mut R, what: &str) -> Result<i32, ModelError> {
    let mut b = [0u8; 4];
    read_exact(r, &mut b, what)?;
    Ok(i32::from_le_bytes(b))
}

fn skip<R: Read + Seek>(r: &mut R, n: u64, file_size: u64, what: &str) -> Result<(), ModelError> {
    let pos = r
        .stream_position()
        .map_err(|e| ModelError::Corrupt(e.to_string()))?;
    let end = pos.saturating_add(n);
    if end > file_size {
        return Err(ModelError::Truncated(format!(
            "the file ends inside {what}: it needs {n} bytes from offset {pos} but the file is {file_size} bytes"
        )));
    }
    r.seek(SeekFrom::Start(end))
        .map_err(|e| ModelError::Corrupt(e.to_string()))?;
    Ok(())
}

/// Writes ggml sections. Counts bytes so callers can report progress.
pub struct GgmlWriter<W: Write> {
    out: W,
    /// Bytes written so far.
    pub written: u64,
}

impl<W: Write> GgmlWriter<W> {
    /// Wraps a sink.
    pub fn new(out: W) -> Self {
        GgmlWriter { out, written: 0 }
    }

    fn bytes(&mut self, b: &[u8]) -> io::Result<()> {
        self.out.write_all(b)?;
        self.written += b.len() as u64;
        Ok(())
    }

    fn i32(&mut self, v: i32) -> io::Result<()> {
        self.bytes(&v.to_le_bytes())
    }

    /// Magic and hyper-parameters.
    pub fn header(&mut self, h: &Hparams) -> io::Result<()> {
        self.bytes(&MAGIC.to_le_bytes())?;
        for v in h.as_array() {
            self.i32(v)?;
        }
        Ok(())
    }

    /// The mel filterbank, `n_mel × n_fft` row-major.
    pub fn mel_filters(&mut self, n_mel: usize, n_fft: usize, data: &[f32]) -> io::Result<()> {
        self.i32(n_mel as i32)?;
        self.i32(n_fft as i32)?;
        let mut buf = Vec::with_capacity(data.len() * 4);
        for v in data {
            buf.extend_from_slice(&v.to_le_bytes());
        }
        self.bytes(&buf)
    }

    /// The byte-level vocabulary.
    pub fn vocabulary(&mut self, tokens: &[Vec<u8>]) -> io::Result<()> {
        self.i32(tokens.len() as i32)?;
        for t in tokens {
            self.i32(t.len() as i32)?;
            self.bytes(t)?;
        }
        Ok(())
    }

    /// One tensor; `shape` is in PyTorch order (outermost first) and is
    /// written reversed, as ggml expects. `ttype` is 0 (f32) or 1 (f16).
    pub fn tensor(
        &mut self,
        name: &str,
        shape: &[usize],
        ttype: i32,
        data: &[u8],
    ) -> io::Result<()> {
        self.i32(shape.len() as i32)?;
        self.i32(name.len() as i32)?;
        self.i32(ttype)?;
        for &d in shape.iter().rev() {
            self.i32(d as i32)?;
        }
        self.bytes(name.as_bytes())?;
        self.bytes(data)
    }

    /// Flushes and returns the sink.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

impl GgmlWriter<BufWriter<File>> {
    /// A buffered writer to a new file at `path`.
    pub fn create(path: &Path) -> io::Result<Self> {
        Ok(GgmlWriter::new(BufWriter::with_capacity(
            1 << 20,
            File::create(path)?,
        )))
    }

    /// Flushes, syncs the file to disk and returns the bytes written.
    pub fn finish_synced(self) -> io::Result<u64> {
        let bytes = self.written;
        self.finish()?
            .into_inner()
            .map_err(|e| e.into_error())?
            .sync_all()?;
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn tiny_hparams() -> Hparams {
        Hparams {
            n_vocab: 51864,
            n_audio_ctx: 1500,
            n_audio_state: 384,
            n_audio_head: 6,
            n_audio_layer: 4,
            n_text_ctx: 448,
            n_text_state: 384,
            n_text_head: 6,
            n_text_layer: 4,
            n_mels: 80,
            ftype: 1,
        }
    }

    #[test]
    fn tiny_needs_167_tensors() {
        assert_eq!(tiny_hparams().expected_tensors(), 167);
        assert_eq!(tiny_hparams().model_name(), "tiny.en");
    }

    #[test]
    fn empty_and_text_files_are_named() {
        let e = inspect_reader(Cursor::new(Vec::new()), 0).unwrap_err();
        assert!(e.to_string().contains("empty"), "{e}");
        let text = b"<html>404 Not Found</html>".to_vec();
        let n = text.len() as u64;
        let e = inspect_reader(Cursor::new(text), n).unwrap_err();
        assert!(e.to_string().contains("text file"), "{e}");
    }

    #[test]
    fn header_only_file_is_truncated() {
        let mut w = GgmlWriter::new(Vec::new());
        w.header(&tiny_hparams()).unwrap();
        let b = w.finish().unwrap();
        let n = b.len() as u64;
        let e = inspect_reader(Cursor::new(b), n).unwrap_err();
        assert!(matches!(e, ModelError::Truncated(_)), "{e}");
    }

    #[test]
    fn absurd_header_is_corrupt() {
        let mut h = tiny_hparams();
        h.n_audio_layer = -3;
        let mut w = GgmlWriter::new(Vec::new());
        w.header(&h).unwrap();
        let b = w.finish().unwrap();
        let n = b.len() as u64;
        let e = inspect_reader(Cursor::new(b), n).unwrap_err();
        assert!(e.to_string().contains("n_audio_layer"), "{e}");
    }
}
