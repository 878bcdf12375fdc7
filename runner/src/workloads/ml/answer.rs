//! The check every inference answer goes through: each declared output present by
//! name, with the declared datatype, the shape of the batch and as many values of
//! the datatype's kind as the shape holds. An answer that fails it is a wrong answer
//! (`bad_output`), never a success.
//!
//! It runs on every request, so the answer is read in one pass over its bytes
//! without allocating (`Scanner`): names and datatypes are compared where they
//! lie, shapes read number by number, values counted (numbers are parsed only when
//! they have a fraction or an exponent). The scanner checks the structure it walks
//! (objects, arrays, strings, literals) and refuses what is not JSON there.

use super::tensor::{is_integer, TensorMetadata};

/// What an answer to a request of `batch` samples must hold, worked out once per
/// batch size.
pub struct Expected {
    outputs: Vec<ExpectedOutput>,
}

struct ExpectedOutput {
    name: String,
    datatype: String,
    shape: Vec<i64>,
    size: usize,
    integer: bool,
}

/// One output of an answer, as it lies in the answer's bytes.
#[derive(Default)]
struct Found<'a> {
    /// The name's raw JSON string content (escapes not undone).
    name: &'a [u8],
    datatype: &'a [u8],
    /// The shape's raw JSON array.
    shape: &'a [u8],
    data: Option<Counted>,
}

impl Expected {
    pub fn new(outputs: &[TensorMetadata], batch: usize) -> Expected {
        let outputs = outputs
            .iter()
            .map(|declared| {
                let shape = expected_shape(&declared.shape, batch);
                ExpectedOutput {
                    name: declared.name.clone(),
                    datatype: declared.datatype.clone(),
                    size: shape.iter().product::<i64>().max(0) as usize,
                    shape,
                    integer: is_integer(&declared.datatype),
                }
            })
            .collect();
        Expected { outputs }
    }

    /// Checks an answer: `Err` says what is wrong with it.
    pub fn check(&self, body: &[u8]) -> Result<(), String> {
        let not_a_response = |e: &str| format!("the answer is not an inference response: {e}");
        // Declared outputs found so far, a bit each (models declare a few; past 128
        // outputs, the last bit stands for all the rest).
        let mut found = 0u128;
        let mut scanner = Scanner::new(body);
        let mut outputs_seen = false;
        scanner
            .object(|scanner, key| {
                if key != b"outputs" {
                    return scanner.skip_value();
                }
                outputs_seen = true;
                scanner.array(|scanner| {
                    let output = scanner.output()?;
                    if let Some(i) = self.outputs.iter().position(|d| same_name(output.name, &d.name)) {
                        self.compare(&self.outputs[i], &output)?;
                        found |= 1 << i.min(127);
                    }
                    Ok(())
                })
            })
            .and_then(|()| scanner.end())
            .map_err(|e| not_a_response(&e))?;
        if !outputs_seen {
            return Err(not_a_response("it has no `outputs`"));
        }
        if let Some(missing) = self.outputs.iter().enumerate().find(|(i, _)| found & (1 << (*i).min(127)) == 0) {
            return Err(format!("the output `{}` is missing (the answer has {:?})", missing.1.name, names(body)));
        }
        Ok(())
    }

    fn compare(&self, declared: &ExpectedOutput, got: &Found) -> Result<(), String> {
        let name = &declared.name;
        if got.datatype != declared.datatype.as_bytes() {
            let datatype = String::from_utf8_lossy(got.datatype);
            return Err(format!("the output `{name}` is {datatype}, not {}", declared.datatype));
        }
        if !same_shape(got.shape, &declared.shape)? {
            let shape = String::from_utf8_lossy(got.shape);
            return Err(format!("the output `{name}` has shape {shape}, not {:?}", declared.shape));
        }
        let Some(data) = &got.data else { return Err(format!("the output `{name}` has no `data`")) };
        if data.count != declared.size {
            return Err(format!("the output `{name}` holds {} values, its shape {}", data.count, declared.size));
        }
        if let Some(kind) = data.stranger(&declared.datatype) {
            return Err(format!("the output `{name}` is {} but holds {kind}", declared.datatype));
        }
        if let (true, Some(v)) = (declared.integer, data.fraction) {
            return Err(format!("the output `{name}` is {} but holds {v}", declared.datatype));
        }
        Ok(())
    }
}

/// Whether a raw JSON string content names `name` (escapes undone when there are any).
fn same_name(raw: &[u8], name: &str) -> bool {
    if raw.contains(&b'\\') {
        let quoted = [b"\"", raw, b"\""].concat();
        serde_json::from_slice::<String>(&quoted).is_ok_and(|s| s == name)
    } else {
        raw == name.as_bytes()
    }
}

/// Whether a raw JSON array of integers equals `shape`.
fn same_shape(raw: &[u8], shape: &[i64]) -> Result<bool, String> {
    if raw.is_empty() {
        return Err("an output has no `shape`".into());
    }
    let (mut i, mut same) = (0, true);
    Scanner::new(raw).array(|scanner| {
        let token = scanner.token()?;
        let dimension = std::str::from_utf8(token).ok().and_then(|t| t.parse::<i64>().ok());
        same &= dimension.is_some() && shape.get(i).copied() == dimension;
        i += 1;
        Ok(())
    })?;
    Ok(same && i == shape.len())
}

/// The output names an answer has, for a message (the answer failed the check).
fn names(body: &[u8]) -> Vec<String> {
    let mut names = Vec::new();
    let _ = Scanner::new(body).object(|scanner, key| {
        if key != b"outputs" {
            return scanner.skip_value();
        }
        scanner.array(|scanner| {
            names.push(String::from_utf8_lossy(scanner.output()?.name).into_owned());
            Ok(())
        })
    });
    names
}

/// A declared shape for a batch: the leading variable dimension is the batch,
/// other variable dimensions 1.
fn expected_shape(declared: &[i64], batch: usize) -> Vec<i64> {
    declared
        .iter()
        .enumerate()
        .map(|(i, &d)| match (i, d) {
            (_, d) if d >= 0 => d,
            (0, _) => batch as i64,
            _ => 1,
        })
        .collect()
}

/// A tensor's values, counted without being parsed: the protocol's `data` is an
/// array, flat or nested, of numbers, booleans or strings.
#[derive(Debug, PartialEq)]
struct Counted {
    count: usize,
    /// The first number that is not a whole finite number.
    fraction: Option<f64>,
    /// The kinds of value seen.
    numbers: bool,
    booleans: bool,
    strings: bool,
}

impl Counted {
    /// Counts the values of the array (nested arrays flattened) at the scanner.
    fn scan(scanner: &mut Scanner) -> Result<Counted, String> {
        let mut counted = Counted { count: 0, fraction: None, numbers: false, booleans: false, strings: false };
        counted.values(scanner)?;
        Ok(counted)
    }

    fn values(&mut self, scanner: &mut Scanner) -> Result<(), String> {
        scanner.array(|scanner| {
            match scanner.peek() {
                Some(b'[') => return self.values(scanner),
                Some(b'"') => {
                    scanner.string()?;
                    self.strings = true;
                }
                Some(b'{') => return Err("a tensor's `data` holds an object".into()),
                _ => match scanner.token()? {
                    b"true" | b"false" => self.booleans = true,
                    b"null" => return Err("a tensor's `data` holds null".into()),
                    token => {
                        self.numbers = true;
                        if self.fraction.is_none() && token.iter().any(|b| matches!(b, b'.' | b'e' | b'E')) {
                            let v: f64 =
                                std::str::from_utf8(token).ok().and_then(|t| t.parse().ok()).unwrap_or(f64::NAN);
                            if v.fract() != 0.0 || !v.is_finite() {
                                self.fraction = Some(v);
                            }
                        }
                    }
                },
            }
            self.count += 1;
            Ok(())
        })
    }

    /// What kind of value other than the datatype's the tensor holds, if any.
    fn stranger(&self, datatype: &str) -> Option<&'static str> {
        let (numbers, booleans, strings) = match datatype {
            "BOOL" => (false, true, false),
            "BYTES" => (false, false, true),
            _ => (true, false, false),
        };
        [
            (self.numbers && !numbers, "numbers"),
            (self.booleans && !booleans, "booleans"),
            (self.strings && !strings, "strings"),
        ]
        .into_iter()
        .find_map(|(seen, kind)| seen.then_some(kind))
    }
}

/// A one-pass reader of JSON bytes: objects and arrays walked with callbacks,
/// strings returned raw, other values as their token.
struct Scanner<'a> {
    bytes: &'a [u8],
    at: usize,
    /// Objects and arrays open around the scanner.
    depth: u32,
}

/// Most objects and arrays open at once (serde_json's limit too): deeper is refused
/// rather than recursed into.
const MAX_DEPTH: u32 = 128;

type Scan<T> = Result<T, String>;

impl<'a> Scanner<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Scanner { bytes, at: 0, depth: 0 }
    }

    /// The next byte after white space, not consumed.
    fn peek(&mut self) -> Option<u8> {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.at) {
            self.at += 1;
        }
        self.bytes.get(self.at).copied()
    }

    fn expect(&mut self, byte: u8) -> Scan<()> {
        match self.peek() {
            Some(b) if b == byte => {
                self.at += 1;
                Ok(())
            }
            Some(b) => Err(format!("`{}` at byte {} where `{}` belongs", b as char, self.at, byte as char)),
            None => Err(format!("the end at byte {} where `{}` belongs", self.at, byte as char)),
        }
    }

    /// Nothing but white space is left.
    fn end(&mut self) -> Scan<()> {
        match self.peek() {
            None => Ok(()),
            Some(_) => Err(format!("more after the document, at byte {}", self.at)),
        }
    }

    /// A string's raw content, escapes not undone.
    fn string(&mut self) -> Scan<&'a [u8]> {
        self.expect(b'"')?;
        let start = self.at;
        while let Some(&b) = self.bytes.get(self.at) {
            match b {
                b'"' => {
                    self.at += 1;
                    return Ok(&self.bytes[start..self.at - 1]);
                }
                b'\\' => self.at += 2,
                _ => self.at += 1,
            }
        }
        Err("a string that does not end".into())
    }

    /// A number (checked against JSON's grammar: `1-2` and `01` are not numbers)
    /// or a literal (`true`, `false`, `null`).
    fn token(&mut self) -> Scan<&'a [u8]> {
        self.peek();
        let start = self.at;
        while let Some(b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E' | b'a'..=b'z') = self.bytes.get(self.at) {
            self.at += 1;
        }
        match &self.bytes[start..self.at] {
            b"" => Err(format!("no value at byte {start}")),
            token @ (b"true" | b"false" | b"null") => Ok(token),
            token if is_json_number(token) => Ok(token),
            token => Err(format!("`{}` at byte {start} is not a JSON value", String::from_utf8_lossy(token))),
        }
    }

    /// Walks an object, calling `member` at each member's value with its raw key.
    fn object(&mut self, mut member: impl FnMut(&mut Self, &'a [u8]) -> Scan<()>) -> Scan<()> {
        self.expect(b'{')?;
        self.nested(|scanner| {
            if scanner.peek() == Some(b'}') {
                scanner.at += 1;
                return Ok(());
            }
            loop {
                let key = scanner.string()?;
                scanner.expect(b':')?;
                member(scanner, key)?;
                match scanner.peek() {
                    Some(b',') => scanner.at += 1,
                    _ => return scanner.expect(b'}'),
                }
            }
        })
    }

    /// Runs `inside` one level deeper, refusing more than [`MAX_DEPTH`] levels.
    fn nested(&mut self, inside: impl FnOnce(&mut Self) -> Scan<()>) -> Scan<()> {
        if self.depth >= MAX_DEPTH {
            return Err(format!("more than {MAX_DEPTH} nested objects and arrays"));
        }
        self.depth += 1;
        let result = inside(self);
        self.depth -= 1;
        result
    }

    /// Walks an array, calling `element` at each element.
    fn array(&mut self, mut element: impl FnMut(&mut Self) -> Scan<()>) -> Scan<()> {
        self.expect(b'[')?;
        self.nested(|scanner| {
            if scanner.peek() == Some(b']') {
                scanner.at += 1;
                return Ok(());
            }
            loop {
                element(scanner)?;
                match scanner.peek() {
                    Some(b',') => scanner.at += 1,
                    _ => return scanner.expect(b']'),
                }
            }
        })
    }

    /// Any value, skipped.
    fn skip_value(&mut self) -> Scan<()> {
        match self.peek() {
            Some(b'{') => self.object(|scanner, _| scanner.skip_value()),
            Some(b'[') => self.array(Scanner::skip_value),
            Some(b'"') => self.string().map(drop),
            _ => self.token().map(drop),
        }
    }

    /// The raw text of the value at the scanner, skipped.
    fn raw_value(&mut self) -> Scan<&'a [u8]> {
        self.peek();
        let start = self.at;
        self.skip_value()?;
        Ok(&self.bytes[start..self.at])
    }

    /// One element of `outputs`: its name, datatype, shape and values.
    fn output(&mut self) -> Scan<Found<'a>> {
        let mut found = Found::default();
        self.object(|scanner, key| {
            match key {
                b"name" => found.name = scanner.string()?,
                b"datatype" => found.datatype = scanner.string()?,
                b"shape" => found.shape = scanner.raw_value()?,
                b"data" => found.data = Some(Counted::scan(scanner)?),
                _ => scanner.skip_value()?,
            }
            Ok(())
        })?;
        Ok(found)
    }
}

/// Whether `token` is a JSON number: `-`? then `0` or a digit 1–9 and digits, then
/// optionally `.` and digits, then optionally `e`/`E`, a sign and digits.
fn is_json_number(token: &[u8]) -> bool {
    let digits = |at: usize| token[at.min(token.len())..].iter().take_while(|b| b.is_ascii_digit()).count();
    let mut at = usize::from(token.first() == Some(&b'-'));
    match token.get(at) {
        Some(b'0') => at += 1,
        Some(b'1'..=b'9') => at += digits(at),
        _ => return false,
    }
    if token.get(at) == Some(&b'.') {
        let n = digits(at + 1);
        if n == 0 {
            return false;
        }
        at += 1 + n;
    }
    if matches!(token.get(at), Some(b'e' | b'E')) {
        at += 1;
        if matches!(token.get(at), Some(b'+' | b'-')) {
            at += 1;
        }
        let n = digits(at);
        if n == 0 {
            return false;
        }
        at += n;
    }
    at == token.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(json: &str) -> Result<Counted, String> {
        let mut scanner = Scanner::new(json.as_bytes());
        let counted = Counted::scan(&mut scanner)?;
        scanner.end()?;
        Ok(counted)
    }

    #[test]
    fn values_are_counted_flat_or_nested() {
        assert_eq!(count("[1, 2, 3]").unwrap().count, 3);
        assert_eq!(count("[[1,2],[3,4],[5,6]]").unwrap().count, 6);
        assert_eq!(count("[ ]").unwrap().count, 0);
        let strings = count(r#"["a,b", "say \"hi\", ]", ""]"#).unwrap();
        assert_eq!((strings.count, strings.strings, strings.numbers), (3, true, false));
        assert_eq!(count("[true,false]").unwrap().stranger("BOOL"), None);
        assert_eq!(count("[true, 1]").unwrap().stranger("BOOL"), Some("numbers"));
        assert_eq!(count(r#"[1, "2"]"#).unwrap().stranger("INT64"), Some("strings"));
        assert_eq!(count("[1.5, 2]").unwrap().stranger("FP32"), None);
    }

    #[test]
    fn numbers_follow_jsons_grammar() {
        for good in ["0", "-0", "7", "42", "-3.25", "1e5", "1E+5", "2.5e-3", "0.0"] {
            assert!(is_json_number(good.as_bytes()), "{good}");
        }
        for bad in ["1-2", "01", "-", "1.", ".5", "1e", "1e+", "+1", "--1", "1.2.3", "1ee5", "nan", "1x"] {
            assert!(!is_json_number(bad.as_bytes()), "{bad}");
        }
        assert!(count("[1, 1-2]").unwrap_err().contains("`1-2` at byte"));
    }

    #[test]
    fn the_first_number_that_is_not_whole_is_found() {
        assert_eq!(count("[3, 3.0, 1e2, -0]").unwrap().fraction, None);
        assert_eq!(count("[3, 0.25, 1.5]").unwrap().fraction, Some(0.25));
        assert_eq!(count("[1e999]").unwrap().fraction, Some(f64::INFINITY));
    }

    #[test]
    fn what_is_not_json_or_not_values_is_refused() {
        for bad in
            ["3", "[1, null]", r#"[{"a": 1}]"#, "[1, 2", "[1 2]", "[1,]", r#"["open]"#, "[nan]", "[+1]", "[truth]"]
        {
            assert!(count(bad).is_err(), "{bad}");
        }
        let deep = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(count(&deep).unwrap_err().contains("nested"));
    }

    fn declared(name: &str, datatype: &str, shape: Vec<i64>) -> TensorMetadata {
        TensorMetadata { name: name.into(), datatype: datatype.into(), shape }
    }

    fn answer(label: &str, p: &str) -> String {
        format!(
            r#"{{"model_name":"m","id":"x","parameters":{{"a":[1,{{"b":"}}"}}]}},"outputs":[
            {{"name":"label","datatype":"INT64","shape":[2],"data":{label}}},
            {{"parameters":{{"x":[1]}},"data":{p},"shape":[2, 2],"datatype":"FP32","name":"p"}}]}}"#
        )
    }

    #[test]
    fn answers_are_checked_against_the_batch() {
        let expected = Expected::new(&[declared("label", "INT64", vec![-1]), declared("p", "FP32", vec![-1, 2])], 2);
        assert_eq!(expected.check(answer("[1,2]", "[0.5,0.5,0.25,0.75]").as_bytes()), Ok(()));
        assert_eq!(expected.check(answer("[1,2]", "[[0.5,0.5],[0.25,0.75]]").as_bytes()), Ok(()));
        for (label, p, said) in [
            ("[1,2.5]", "[0.5,0.5,0.25,0.75]", "holds 2.5"),
            ("[1,2]", "[0.5,0.5,0.25]", "holds 3 values"),
            ("[1,true]", "[0.5,0.5,0.25,0.75]", "holds booleans"),
            ("[1,2]", "[0.5,0.5,0.25,null]", "null"),
            ("[1,2]", "[0.5,0.5,0.25,0.75", "not an inference response"),
        ] {
            let error = expected.check(answer(label, p).as_bytes()).unwrap_err();
            assert!(error.contains(said), "{label} {p}: {error}");
        }
        let missing = Expected::new(&[declared("q", "FP32", vec![-1])], 2);
        let error = missing.check(answer("[1,2]", "[1,2,3,4]").as_bytes()).unwrap_err();
        assert!(error.contains("`q` is missing") && error.contains(r#"["label", "p"]"#), "{error}");
        let shaped = Expected::new(&[declared("p", "FP32", vec![-1, 4])], 1);
        let error = shaped.check(answer("[1,2]", "[1,2,3,4]").as_bytes()).unwrap_err();
        assert!(error.contains("shape [2, 2], not [1, 4]"), "{error}");
        assert!(expected.check(br#"{"model_name":"m"}"#).unwrap_err().contains("no `outputs`"));
        assert!(expected.check(b"").is_err());
    }

    #[test]
    fn escaped_names_are_compared_unescaped() {
        let expected = Expected::new(&[declared("a\"b", "FP32", vec![-1])], 1);
        let body = r#"{"outputs":[{"name":"a\"b","datatype":"FP32","shape":[1],"data":[0.5]}]}"#;
        assert_eq!(expected.check(body.as_bytes()), Ok(()));
    }

    /// The scanner agrees with serde_json on what is an inference response.
    #[test]
    fn every_answer_serde_reads_is_read() {
        let expected = Expected::new(&[declared("label", "INT64", vec![-1]), declared("p", "FP32", vec![-1, 2])], 2);
        let body = answer("[1,2]", "[0.5,0.5,0.25,0.75]");
        let value: serde_json::Value = serde_json::from_str(&body).unwrap();
        for text in [serde_json::to_string(&value).unwrap(), serde_json::to_string_pretty(&value).unwrap()] {
            assert_eq!(expected.check(text.as_bytes()), Ok(()), "{text}");
        }
    }
}
