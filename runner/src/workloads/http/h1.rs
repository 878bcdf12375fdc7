//! A lean HTTP/1.1 client connection for closed-model users, as wrk keeps one:
//! the request is serialized once per endpoint and written in one call, the
//! response head is parsed in place (httparse) from a buffer the connection
//! reuses, and the body is counted, not kept (or, for a caller that checks answers,
//! appended to a buffer of its own). One task, no channel between a
//! request and its socket: most of the generator's own cost per request is gone,
//! so a fast target's speed shows rather than the tool's.
//!
//! Bodies: `Content-Length`, `chunked`, or until the server closes; none for HEAD,
//! 1xx, 204 and 304. Anything the connection cannot vouch for afterwards (a close,
//! an error, leftover bytes, a timeout) drops it, and the next request reconnects.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;

use super::ErrorKind;

/// Largest response head read, in bytes.
const MAX_HEAD: usize = 64 * 1024;
/// Most response headers parsed.
const MAX_HEADERS: usize = 64;
/// Buffer a connection starts with (grows for larger heads).
const BUFFER: usize = 16 * 1024;

/// Plain TCP or TLS.
enum Io {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

impl AsyncRead for Io {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Io::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Io::Tls(s) => Pin::new(s).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Io {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Io::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Io::Tls(s) => Pin::new(s).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Io::Plain(s) => Pin::new(s).poll_flush(cx),
            Io::Tls(s) => Pin::new(s).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Io::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Io::Tls(s) => Pin::new(s).poll_shutdown(cx),
        }
    }
}

/// One keep-alive connection to one origin.
pub struct Connection {
    io: Io,
    tls: bool,
    buf: Vec<u8>,
    /// Bytes of `buf` read but not yet consumed: `buf[start..end]`.
    start: usize,
    end: usize,
}

/// How an exchange ended: the status (when a head arrived), body bytes, and the
/// failure class with whether the connection may be reused.
pub struct Exchange {
    pub status: Option<u16>,
    pub bytes: u64,
    pub error: Option<ErrorKind>,
    pub reusable: bool,
}

impl Connection {
    /// Connects (and shakes hands, for TLS) to `host:port`.
    pub async fn open(
        host: &str,
        port: u16,
        tls: Option<&Arc<rustls::ClientConfig>>,
    ) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        let tcp = TcpStream::connect((host, port)).await?;
        tcp.set_nodelay(true)?;
        let io = match tls {
            None => Io::Plain(tcp),
            Some(config) => {
                let name = ServerName::try_from(host.to_string())?;
                Io::Tls(Box::new(tokio_rustls::TlsConnector::from(config.clone()).connect(name, tcp).await?))
            }
        };
        Ok(Connection { io, tls: tls.is_some(), buf: vec![0; BUFFER], start: 0, end: 0 })
    }

    /// Writes `request` (a whole serialized request) and reads its response,
    /// counting body bytes up to `max_body`, and appending them to `kept` when
    /// given. `head_only`: the request was HEAD.
    pub async fn exchange(
        &mut self,
        request: &[u8],
        head_only: bool,
        max_body: u64,
        mut kept: Option<&mut Vec<u8>>,
    ) -> Exchange {
        let mut exchange = Exchange { status: None, bytes: 0, error: None, reusable: false };
        let written = async {
            self.io.write_all(request).await?;
            if self.tls {
                self.io.flush().await?;
            }
            io::Result::Ok(())
        };
        if written.await.is_err() {
            exchange.error = Some(ErrorKind::Connect);
            return exchange;
        }
        let head = loop {
            match self.read_head().await {
                Ok(head) if (100..200).contains(&head.status) && head.status != 101 => continue,
                Ok(head) => break head,
                Err(kind) => {
                    exchange.error = Some(kind);
                    return exchange;
                }
            }
        };
        exchange.status = Some(head.status);
        let body = if head_only || head.status == 204 || head.status == 304 || head.status == 101 {
            Ok(true)
        } else if head.chunked {
            self.read_chunked(max_body, &mut exchange.bytes, &mut kept).await
        } else if let Some(length) = head.length {
            self.read_length(length, max_body, &mut exchange.bytes, &mut kept).await.map(|()| true)
        } else {
            self.read_to_close(max_body, &mut exchange.bytes, &mut kept).await.map(|()| false)
        };
        match body {
            Ok(open) => exchange.reusable = open && head.keep_alive && self.start == self.end,
            Err(kind) => exchange.error = Some(kind),
        }
        exchange
    }

    /// Reads more bytes into the buffer; `Ok(0)` at end of stream.
    async fn fill(&mut self) -> io::Result<usize> {
        if self.start == self.end {
            (self.start, self.end) = (0, 0);
        } else if self.end == self.buf.len() {
            self.buf.copy_within(self.start..self.end, 0);
            (self.start, self.end) = (0, self.end - self.start);
        }
        if self.end == self.buf.len() {
            self.buf.resize(self.buf.len() * 2, 0);
        }
        let n = self.io.read(&mut self.buf[self.end..]).await?;
        self.end += n;
        Ok(n)
    }

    async fn read_head(&mut self) -> Result<Head, ErrorKind> {
        loop {
            let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
            let mut response = httparse::Response::new(&mut headers);
            match response.parse(&self.buf[self.start..self.end]) {
                Ok(httparse::Status::Complete(length)) => {
                    let head = Head::of(&response)?;
                    self.start += length;
                    return Ok(head);
                }
                Ok(httparse::Status::Partial) if self.end - self.start >= MAX_HEAD => return Err(ErrorKind::Protocol),
                Ok(httparse::Status::Partial) => {}
                Err(_) => return Err(ErrorKind::Protocol),
            }
            // Closed or reset before a whole head: the connection failed.
            match self.fill().await {
                Ok(0) | Err(_) => return Err(ErrorKind::Connect),
                Ok(_) => {}
            }
        }
    }

    /// Consumes up to `n` buffered bytes (appended to `kept`), reading when the buffer is empty.
    async fn take(&mut self, n: u64, bytes: &mut u64, max_body: u64, kept: &mut Kept<'_>) -> Result<u64, ErrorKind> {
        if self.start == self.end {
            match self.fill().await {
                Ok(0) | Err(_) => return Err(ErrorKind::Body),
                Ok(_) => {}
            }
        }
        let taken = n.min((self.end - self.start) as u64);
        *bytes += taken;
        if *bytes > max_body {
            return Err(ErrorKind::Body);
        }
        if let Some(kept) = kept {
            kept.extend_from_slice(&self.buf[self.start..self.start + taken as usize]);
        }
        self.start += taken as usize;
        Ok(taken)
    }

    async fn read_length(
        &mut self,
        length: u64,
        max_body: u64,
        bytes: &mut u64,
        kept: &mut Kept<'_>,
    ) -> Result<(), ErrorKind> {
        if length > max_body {
            return Err(ErrorKind::Body);
        }
        let mut left = length;
        while left > 0 {
            left -= self.take(left, bytes, max_body, kept).await?;
        }
        Ok(())
    }

    async fn read_to_close(&mut self, max_body: u64, bytes: &mut u64, kept: &mut Kept<'_>) -> Result<(), ErrorKind> {
        loop {
            if self.start == self.end {
                match self.fill().await {
                    Ok(0) => return Ok(()),
                    Err(_) => return Err(ErrorKind::Body),
                    Ok(_) => {}
                }
            }
            self.take(u64::MAX, bytes, max_body, kept).await?;
        }
    }

    /// Reads a chunked body (and its trailers); `Ok(true)`: the connection stays usable.
    async fn read_chunked(&mut self, max_body: u64, bytes: &mut u64, kept: &mut Kept<'_>) -> Result<bool, ErrorKind> {
        loop {
            let line = self.read_line().await?;
            let size = line.split(|&b| b == b';').next().unwrap_or_default();
            let size = std::str::from_utf8(size).ok().map(str::trim).and_then(|s| u64::from_str_radix(s, 16).ok());
            let Some(size) = size else { return Err(ErrorKind::Protocol) };
            if size == 0 {
                // Trailers, up to the empty line.
                while !self.read_line().await?.is_empty() {}
                return Ok(true);
            }
            if bytes.saturating_add(size) > max_body {
                return Err(ErrorKind::Body);
            }
            let mut left = size;
            while left > 0 {
                left -= self.take(left, bytes, max_body, kept).await?;
            }
            if !self.read_line().await?.is_empty() {
                return Err(ErrorKind::Protocol);
            }
        }
    }

    /// The next CRLF-terminated line of the body, without its CRLF.
    async fn read_line(&mut self) -> Result<Vec<u8>, ErrorKind> {
        loop {
            if let Some(at) = self.buf[self.start..self.end].windows(2).position(|w| w == b"\r\n") {
                let line = self.buf[self.start..self.start + at].to_vec();
                self.start += at + 2;
                return Ok(line);
            }
            if self.end - self.start >= MAX_HEAD {
                return Err(ErrorKind::Protocol);
            }
            match self.fill().await {
                Ok(0) | Err(_) => return Err(ErrorKind::Body),
                Ok(_) => {}
            }
        }
    }
}

/// Where body bytes go besides being counted.
type Kept<'a> = Option<&'a mut Vec<u8>>;

/// What the response head says about the body and the connection.
struct Head {
    status: u16,
    length: Option<u64>,
    chunked: bool,
    keep_alive: bool,
}

impl Head {
    fn of(response: &httparse::Response) -> Result<Head, ErrorKind> {
        let status = response.code.ok_or(ErrorKind::Protocol)?;
        let mut head = Head { status, length: None, chunked: false, keep_alive: response.version == Some(1) };
        for header in response.headers.iter() {
            let value = std::str::from_utf8(header.value).map_err(|_| ErrorKind::Protocol)?.trim();
            if header.name.eq_ignore_ascii_case("content-length") {
                head.length = Some(value.parse().map_err(|_| ErrorKind::Protocol)?);
            } else if header.name.eq_ignore_ascii_case("transfer-encoding") {
                head.chunked = value.rsplit(',').next().is_some_and(|last| last.trim().eq_ignore_ascii_case("chunked"));
            } else if header.name.eq_ignore_ascii_case("connection") {
                for token in value.split(',').map(str::trim) {
                    if token.eq_ignore_ascii_case("close") {
                        head.keep_alive = false;
                    } else if token.eq_ignore_ascii_case("keep-alive") {
                        head.keep_alive = true;
                    }
                }
            }
        }
        Ok(head)
    }
}
