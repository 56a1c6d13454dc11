//! Reader for CTranslate2 `model.bin` files, the format faster-whisper uses.
//!
//! The whole file is borrowed as one byte slice; variables point into it, so
//! reading a 145 MB model costs no copy.

use std::collections::BTreeMap;

use super::ModelError;

/// Element type of a CTranslate2 variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dtype {
    /// 32-bit float.
    F32,
    /// 8-bit integer (quantized weights).
    I8,
    /// 16-bit integer.
    I16,
    /// 32-bit integer.
    I32,
    /// IEEE half float.
    F16,
    /// bfloat16.
    Bf16,
}

impl Dtype {
    fn from_code(code: u8) -> Option<Dtype> {
        Some(match code {
            0 => Dtype::F32,
            1 => Dtype::I8,
            2 => Dtype::I16,
            3 => Dtype::I32,
            4 => Dtype::F16,
            5 => Dtype::Bf16,
            _ => return None,
        })
    }

    /// Bytes per element.
    pub fn size(self) -> usize {
        match self {
            Dtype::I8 => 1,
            Dtype::I16 | Dtype::F16 | Dtype::Bf16 => 2,
            Dtype::F32 | Dtype::I32 => 4,
        }
    }
}

/// One named tensor or scalar of the model.
#[derive(Debug)]
pub struct Variable<'a> {
    /// Shape, outermost dimension first (row-major).
    pub dims: Vec<usize>,
    /// Element type.
    pub dtype: Dtype,
    /// Raw little-endian bytes.
    pub data: &'a [u8],
}

impl Variable<'_> {
    /// Number of elements.
    pub fn len(&self) -> usize {
        self.dims.iter().product()
    }

    /// True when the variable holds no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Reads a scalar integer (i16/i32/i8) such as `encoder/num_heads`.
    pub fn scalar_int(&self) -> Option<i64> {
        let d = self.data;
        match self.dtype {
            Dtype::I8 => d.first().map(|&b| i64::from(b as i8)),
            Dtype::I16 => d
                .get(..2)
                .map(|b| i64::from(i16::from_le_bytes([b[0], b[1]]))),
            Dtype::I32 => d
                .get(..4)
                .map(|b| i64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]]))),
            _ => None,
        }
    }
}

/// A parsed CTranslate2 model file.
#[derive(Debug)]
pub struct Ct2Model<'a> {
    /// The spec name, "WhisperSpec" for Whisper models.
    pub spec: String,
    /// Spec revision.
    pub revision: u32,
    /// Variables by name, aliases resolved.
    pub variables: BTreeMap<String, Variable<'a>>,
}

impl<'a> Ct2Model<'a> {
    /// Parses a CTranslate2 `model.bin` image.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, ModelError> {
        let mut r = ByteReader { bytes, pos: 0 };
        let version = r.u32("format version")?;
        if !(5..=6).contains(&version) {
            return Err(ModelError::NotCt2(format!(
                "unsupported CTranslate2 format version {version} (expected 6)"
            )));
        }
        let spec = r.string("spec name")?;
        let revision = r.u32("spec revision")?;
        let count = r.u32("variable count")? as usize;
        let mut variables = BTreeMap::new();
        for _ in 0..count {
            let name = r.string("variable name")?;
            let rank = r.u8("rank")? as usize;
            if rank > 8 {
                return Err(r.corrupt(&format!("variable {name} has rank {rank}")));
            }
            let mut dims = Vec::with_capacity(rank);
            for _ in 0..rank {
                dims.push(r.u32("dimension")? as usize);
            }
            let code = r.u8("dtype")?;
            let dtype = Dtype::from_code(code)
                .ok_or_else(|| r.corrupt(&format!("variable {name} has unknown dtype {code}")))?;
            let byte_len = r.u32("byte count")? as usize;
            let expected = dims
                .iter()
                .try_fold(dtype.size(), |acc, &d| acc.checked_mul(d))
                .ok_or_else(|| r.corrupt(&format!("variable {name} is impossibly large")))?;
            if expected != byte_len {
                return Err(r.corrupt(&format!(
                    "variable {name} declares {byte_len} bytes but its shape needs {expected}"
                )));
            }
            let data = r.take(byte_len, &name)?;
            variables.insert(name, Variable { dims, dtype, data });
        }
        // Aliases (e.g. the tied output projection) carry no data we need.
        if r.pos < bytes.len() {
            let aliases = r.u32("alias count")?;
            for _ in 0..aliases {
                r.string("alias")?;
                r.string("alias target")?;
            }
        }
        Ok(Ct2Model {
            spec,
            revision,
            variables,
        })
    }

    /// Looks up a variable, failing with a message that names it.
    pub fn get(&self, name: &str) -> Result<&Variable<'a>, ModelError> {
        self.variables
            .get(name)
            .ok_or_else(|| ModelError::UnsupportedLayout(format!("missing variable `{name}`")))
    }

    /// Counts the `PREFIX/layer_N` blocks.
    pub fn layer_count(&self, prefix: &str) -> usize {
        (0..)
            .take_while(|i| {
                let probe = format!("{prefix}/layer_{i}/");
                self.variables
                    .range(probe.clone()..)
                    .next()
                    .is_some_and(|(k, _)| k.starts_with(&probe))
            })
            .count()
    }
}

struct ByteReader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> ByteReader<'a> {
    fn corrupt(&self, what: &str) -> ModelError {
        ModelError::Corrupt(format!("{what} (at byte {})", self.pos))
    }

    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], ModelError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.bytes.len());
        match end {
            Some(end) => {
                let s = &self.bytes[self.pos..end];
                self.pos = end;
                Ok(s)
            }
            None => Err(ModelError::Truncated(format!(
                "file ends inside {what}: needs {n} bytes at offset {}, has {}",
                self.pos,
                self.bytes.len().saturating_sub(self.pos)
            ))),
        }
    }

    fn u8(&mut self, what: &str) -> Result<u8, ModelError> {
        Ok(self.take(1, what)?[0])
    }

    fn u32(&mut self, what: &str) -> Result<u32, ModelError> {
        let b = self.take(4, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn string(&mut self, what: &str) -> Result<String, ModelError> {
        let b = self.take(2, what)?;
        let len = u16::from_le_bytes([b[0], b[1]]) as usize;
        let raw = self.take(len, what)?;
        let raw = raw.strip_suffix(&[0]).unwrap_or(raw);
        String::from_utf8(raw.to_vec()).map_err(|_| self.corrupt(&format!("{what} is not UTF-8")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn push_str(out: &mut Vec<u8>, s: &str) {
        out.extend_from_slice(&((s.len() + 1) as u16).to_le_bytes());
        out.extend_from_slice(s.as_bytes());
        out.push(0);
    }

    #[test]
    fn parses_a_minimal_file() {
        let mut b = Vec::new();
        b.extend_from_slice(&6u32.to_le_bytes());
        push_str(&mut b, "WhisperSpec");
        b.extend_from_slice(&3u32.to_le_bytes());
        b.extend_from_slice(&1u32.to_le_bytes());
        push_str(&mut b, "encoder/num_heads");
        b.push(0);
        b.push(2);
        b.extend_from_slice(&2u32.to_le_bytes());
        b.extend_from_slice(&6i16.to_le_bytes());
        b.extend_from_slice(&0u32.to_le_bytes());
        let m = Ct2Model::parse(&b).unwrap();
        assert_eq!(m.spec, "WhisperSpec");
        assert_eq!(m.get("encoder/num_heads").unwrap().scalar_int(), Some(6));
    }

    #[test]
    fn truncation_is_reported_not_panicked() {
        let mut b = Vec::new();
        b.extend_from_slice(&6u32.to_le_bytes());
        push_str(&mut b, "WhisperSpec");
        let err = Ct2Model::parse(&b).unwrap_err();
        assert!(matches!(err, ModelError::Truncated(_)), "{err}");
    }
}
