//! `[ml] inputs = "path"`: the samples to send, read from a file, one sample a row.
//!
//! - `.json`: an array of rows, each an array of numbers (`[[0, 1.5, 3], [2, 0, 1]]`),
//!   or the same array under `"inputs"` (`{"inputs": [[...], ...]}`).
//! - `.csv`: one row a line, numbers separated by commas; a first line that is not all
//!   numbers is a header and skipped; blank lines are skipped.
//!
//! The file is read and its numbers parsed when the plan is made (every row must be as
//! wide as the first); once the model's metadata is known, [`Inputs::rows_for`]
//! checks each value against the input's declared width and datatype. Every error
//! names the file, the row (1-based, data rows only) and the column (1-based).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{anyhow, bail, Context as _};
use serde_json::Value;

use super::tensor::{is_integer, TensorMetadata};

/// Samples read from a file, not yet checked against a model.
#[derive(Debug, Clone, PartialEq)]
pub struct Inputs {
    pub path: PathBuf,
    /// One sample a row, as written.
    pub rows: Arc<Vec<Vec<f64>>>,
}

/// Most values an integer input may take and still be sent exactly (the samples
/// are kept as f32).
const EXACT_INTEGER: f64 = 16_777_216.0;

impl Inputs {
    /// Reads `.json` or `.csv` rows from `path`.
    pub fn read(path: &Path) -> anyhow::Result<Inputs> {
        let shown = path.display();
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {shown}"))?;
        let rows = match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
            Some("json") => json_rows(&text).map_err(|e| anyhow!("{shown}: {e}"))?,
            Some("csv") => csv_rows(&text).map_err(|e| anyhow!("{shown}: {e}"))?,
            _ => bail!("{shown}: name a .json or .csv file (rows of numbers)"),
        };
        let Some(first) = rows.first() else { bail!("{shown} holds no rows") };
        if first.is_empty() {
            bail!("{shown}: row 1 is empty");
        }
        if let Some((i, row)) = rows.iter().enumerate().find(|(_, r)| r.len() != first.len()) {
            bail!("{shown}: row {} has {} values, row 1 has {}", i + 1, row.len(), first.len());
        }
        Ok(Inputs { path: path.to_path_buf(), rows: Arc::new(rows) })
    }

    /// The rows as samples for `input`: each as wide as the input's second dimension,
    /// each value one of its datatype (whole numbers in range for INT and UINT, 0 or
    /// 1 for BOOL, finite for FP).
    pub fn rows_for(&self, input: &TensorMetadata) -> anyhow::Result<Vec<Vec<f32>>> {
        let shown = self.path.display();
        let width = input.shape.get(1).copied().unwrap_or(-1);
        let have = self.rows[0].len();
        if width >= 0 && have as i64 != width {
            bail!(
                "{shown}: rows have {have} values; the model's input `{}` takes {width} per sample (shape {:?})",
                input.name,
                input.shape
            );
        }
        let mut out = Vec::with_capacity(self.rows.len());
        for (r, row) in self.rows.iter().enumerate() {
            let mut sample = Vec::with_capacity(row.len());
            for (c, &v) in row.iter().enumerate() {
                if let Err(why) = check_value(&input.datatype, v) {
                    bail!("{shown}: row {}, column {}: {v} {why} (input `{}`)", r + 1, c + 1, input.name);
                }
                sample.push(v as f32);
            }
            out.push(sample);
        }
        Ok(out)
    }
}

/// Whether `v` is a value of `datatype`; the reason it is not.
fn check_value(datatype: &str, v: f64) -> Result<(), String> {
    if !v.is_finite() {
        return Err("is not a finite number".into());
    }
    let range = |lo: f64, hi: f64| {
        if v.fract() != 0.0 {
            Err(format!("is not a whole number, as {datatype} takes"))
        } else if v < lo || v > hi {
            Err(format!("is outside {datatype}'s range {lo}..={hi}"))
        } else if v.abs() > EXACT_INTEGER {
            Err(format!("is beyond ±{EXACT_INTEGER}, which this workload sends exactly"))
        } else {
            Ok(())
        }
    };
    match datatype {
        "BOOL" if v == 0.0 || v == 1.0 => Ok(()),
        "BOOL" => Err("is not 0 or 1, as BOOL takes".into()),
        "INT8" => range(-128.0, 127.0),
        "INT16" => range(-32768.0, 32767.0),
        "UINT8" => range(0.0, 255.0),
        "UINT16" => range(0.0, 65535.0),
        t if t.starts_with("UINT") => range(0.0, f64::MAX),
        t if is_integer(t) => range(f64::MIN, f64::MAX),
        "FP16" if v.abs() > 65504.0 => Err("is outside FP16's range".into()),
        "FP32" | "FP16" | "BF16" if v.abs() > f64::from(f32::MAX) => Err(format!("is outside {datatype}'s range")),
        _ => Ok(()),
    }
}

/// `[[...], ...]` or `{"inputs": [[...], ...]}`.
fn json_rows(text: &str) -> Result<Vec<Vec<f64>>, String> {
    let document: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let rows = match &document {
        Value::Array(rows) => rows,
        Value::Object(map) => match map.get("inputs") {
            Some(Value::Array(rows)) => rows,
            _ => return Err("an object must hold its rows under \"inputs\", as an array of arrays".into()),
        },
        _ => return Err("expected an array of rows (arrays of numbers), or {\"inputs\": [...]}".into()),
    };
    rows.iter()
        .enumerate()
        .map(|(r, row)| {
            let Value::Array(values) = row else { return Err(format!("row {} is not an array of numbers", r + 1)) };
            values
                .iter()
                .enumerate()
                .map(|(c, v)| match v {
                    Value::Number(n) => n.as_f64().ok_or_else(|| format!("row {}, column {}: {n}", r + 1, c + 1)),
                    Value::Bool(b) => Ok(f64::from(u8::from(*b))),
                    other => Err(format!("row {}, column {}: {other} is not a number", r + 1, c + 1)),
                })
                .collect()
        })
        .collect()
}

/// Comma-separated numbers, an optional header line.
fn csv_rows(text: &str) -> Result<Vec<Vec<f64>>, String> {
    let mut rows = Vec::new();
    for (line_no, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(',').map(|f| f.trim().trim_matches('"')).collect();
        let parsed: Vec<Result<f64, &str>> = fields.iter().map(|f| f.parse::<f64>().map_err(|_| *f)).collect();
        if rows.is_empty() && line_no == first_line(text) && parsed.iter().any(Result::is_err) {
            continue; // the header
        }
        let row = rows.len() + 1;
        let values = parsed
            .into_iter()
            .enumerate()
            .map(|(c, v)| {
                v.map_err(|f| format!("row {row} (line {}), column {}: `{f}` is not a number", line_no + 1, c + 1))
            })
            .collect::<Result<Vec<f64>, String>>()?;
        rows.push(values);
    }
    Ok(rows)
}

/// The index of the first non-blank line.
fn first_line(text: &str) -> usize {
    text.lines().position(|l| !l.trim().is_empty()).unwrap_or(0)
}
