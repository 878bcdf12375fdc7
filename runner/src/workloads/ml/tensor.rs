//! The tensors a model declares (name, datatype, shape) and what their datatypes
//! mean: shared by the Open Inference Protocol client and server (`oip`,
//! `server`), the inputs made for a model (`inputs`) and the check of every
//! answer (`answer`), none of which needs the others for it.

use serde::{Deserialize, Serialize};

/// A tensor as metadata declares it (`shape` -1: variable).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TensorMetadata {
    pub name: String,
    pub datatype: String,
    pub shape: Vec<i64>,
}

/// `INT8` … `INT64`, `UINT8` … `UINT64`.
pub fn is_integer(datatype: &str) -> bool {
    datatype.starts_with("INT") || datatype.starts_with("UINT")
}
