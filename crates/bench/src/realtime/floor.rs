//! `--realtime --floor`: the least work a WebSocket broadcast can be on this machine, as
//! a third server beside Tradewind and the `ws` baseline, under the same load from the
//! same client. It answers the question the latency target raises at 10,000
//! subscribers: how much of a broadcast's time is the kernel's, whatever a server does.
//!
//! It speaks the baseline's protocol (a WebSocket on `/`, `POST /publish` sends the body
//! to every client) and does nothing else:
//! - one writer thread per CPU, each owning an equal share of the sockets;
//! - a publication is framed once and handed to every writer, which writes it to each
//!   of its sockets with one blocking `write` (`TCP_NODELAY`), together with any frames
//!   that queued up meanwhile: no queue per connection, no task to wake, no timer, no
//!   read of the sockets;
//! - no token, no channel, no offsets, no history, no limits.
//!
//! A real server cannot be this bare (a slow reader here stalls its writer's share; it
//! must be evicted instead), so the floor is a bound, not a rival: what a broadcast
//! costs in `write`s and in the loopback's TCP path, which on one machine also runs the
//! receiving side. Runs in a process of its own (this binary with
//! `--realtime-floor-server`), prints `{"port":N}` once it listens and exits when its
//! standard input closes, like the baseline.

use anyhow::Context;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::time::Duration;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;

use super::subscribers::read_more;

/// The longest an HTTP head may be.
const HEAD_BYTES_MAX: usize = 16 * 1024;
/// A publish body larger than this is refused (the bench sends 256 bytes).
const PUBLISH_BODY_BYTES_MAX: usize = 64 * 1024;
/// The most bytes of queued frames a writer sends to each socket in one `write`.
const WRITE_BATCH_BYTES: usize = 64 * 1024;
/// How long a new connection may take to send its request head.
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);

/// What a writer thread is told.
enum Command {
    /// A subscriber, upgraded: write every later frame to it.
    Add(TcpStream),
    /// A frame to write to every subscriber.
    Frame(Arc<[u8]>),
}

/// An unmasked final text frame (RFC 6455, 5.2) around `payload`.
pub fn text_frame(payload: &[u8]) -> Vec<u8> {
    let mut frame = Vec::with_capacity(payload.len() + 10);
    frame.push(0x81);
    match payload.len() {
        length @ 0..=125 => frame.push(length as u8),
        length @ 126..=0xffff => {
            frame.push(126);
            frame.extend_from_slice(&(length as u16).to_be_bytes());
        }
        length => {
            frame.push(127);
            frame.extend_from_slice(&(length as u64).to_be_bytes());
        }
    }
    frame.extend_from_slice(payload);
    frame
}

/// A connection's bytes read so far, for taking HTTP heads and bodies off the front.
struct Incoming {
    stream: TcpStream,
    buffer: Vec<u8>,
}

/// One request head: its first line and its headers (names in lower case).
#[derive(Debug, PartialEq)]
struct Head {
    request_line: String,
    headers: Vec<(String, String)>,
}

impl Head {
    fn parse(text: &str) -> Head {
        let mut lines = text.split("\r\n");
        let request_line = lines.next().unwrap_or_default().to_owned();
        let headers = lines
            .filter_map(|line| line.split_once(':'))
            .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
            .collect();
        Head { request_line, headers }
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }
}

impl Incoming {
    fn fill(&mut self) -> anyhow::Result<()> {
        read_more(&mut self.stream, &mut self.buffer)
    }

    /// The next request head; `Ok(None)` when the peer closed between requests.
    fn head(&mut self) -> anyhow::Result<Option<Head>> {
        loop {
            if let Some(end) = self.buffer.windows(4).position(|window| window == b"\r\n\r\n") {
                let head = Head::parse(&String::from_utf8_lossy(&self.buffer[..end]));
                self.buffer.drain(..end + 4);
                return Ok(Some(head));
            }
            anyhow::ensure!(self.buffer.len() < HEAD_BYTES_MAX, "a request head over {HEAD_BYTES_MAX} bytes");
            if self.buffer.is_empty() {
                let mut chunk = [0u8; 4096];
                match self.stream.read(&mut chunk)? {
                    0 => return Ok(None),
                    read => self.buffer.extend_from_slice(&chunk[..read]),
                }
            } else {
                self.fill()?;
            }
        }
    }

    fn body(&mut self, length: usize) -> anyhow::Result<Vec<u8>> {
        while self.buffer.len() < length {
            self.fill()?;
        }
        Ok(self.buffer.drain(..length).collect())
    }
}

/// A writer thread: adds subscribers and writes frames to all of them, dropping those
/// whose write fails (the peer left). Frames that queued up while it wrote go out
/// together, one `write` per socket, as a real server's batching would send them.
fn write_frames(commands: mpsc::Receiver<Command>, open: Arc<AtomicUsize>) {
    let mut sockets: Vec<TcpStream> = Vec::new();
    let mut batch: Vec<u8> = Vec::new();
    while let Ok(command) = commands.recv() {
        let mut next = Some(command);
        while let Some(command) = next.take() {
            match command {
                Command::Add(socket) => sockets.push(socket),
                Command::Frame(frame) => batch.extend_from_slice(&frame),
            }
            if batch.len() < WRITE_BATCH_BYTES {
                next = commands.try_recv().ok();
            }
        }
        if !batch.is_empty() {
            let before = sockets.len();
            sockets.retain_mut(|socket| socket.write_all(&batch).is_ok());
            open.fetch_sub(before - sockets.len(), Ordering::Relaxed);
            batch.clear();
        }
    }
}

/// Serves one publisher connection's requests until it closes.
fn publish(mut incoming: Incoming, first: Head, writers: &[mpsc::Sender<Command>], open: &AtomicUsize) {
    let mut head = Some(first);
    while let Some(request) = head.take() {
        let answered = answer_publish(&mut incoming, &request, writers, open);
        if answered.is_err() {
            return;
        }
        head = match incoming.head() {
            Ok(next) => next,
            Err(_) => return,
        };
    }
}

fn answer_publish(
    incoming: &mut Incoming,
    request: &Head,
    writers: &[mpsc::Sender<Command>],
    open: &AtomicUsize,
) -> anyhow::Result<()> {
    let length: usize = request.header("content-length").unwrap_or("0").parse().context("content-length")?;
    if !request.request_line.starts_with("POST /publish ") || length > PUBLISH_BODY_BYTES_MAX {
        let status = if length > PUBLISH_BODY_BYTES_MAX { "413 Payload Too Large" } else { "404 Not Found" };
        incoming
            .stream
            .write_all(format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n").as_bytes())?;
        anyhow::bail!("refused {}", request.request_line);
    }
    let body = incoming.body(length)?;
    let frame: Arc<[u8]> = text_frame(&body).into();
    for writer in writers {
        writer.send(Command::Frame(Arc::clone(&frame))).context("a writer thread ended")?;
    }
    let answer = format!(r#"{{"clients":{}}}"#, open.load(Ordering::Relaxed));
    incoming.stream.write_all(
        format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{answer}",
            answer.len()
        )
        .as_bytes(),
    )?;
    Ok(())
}

/// Upgrades a subscriber; the socket to hand to a writer.
fn upgrade(mut incoming: Incoming, request: &Head) -> anyhow::Result<TcpStream> {
    let key = request.header("sec-websocket-key").context("no Sec-WebSocket-Key")?;
    let answer = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {}\r\n\r\n",
        derive_accept_key(key.as_bytes())
    );
    incoming.stream.write_all(answer.as_bytes())?;
    incoming.stream.set_read_timeout(None)?;
    incoming.stream.set_nodelay(true)?;
    Ok(incoming.stream)
}

/// `--realtime-floor-server`: serves until standard input closes.
pub fn serve_for_parent() -> anyhow::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").context("binding the floor server")?;
    let port = listener.local_addr()?.port();
    let mut stdout = std::io::stdout();
    writeln!(stdout, "{}", serde_json::json!({ "port": port }))?;
    stdout.flush()?;
    std::thread::spawn(|| {
        let mut stdin = std::io::stdin();
        let mut buffer = [0u8; 64];
        // Anything written is ignored; the end of input is the signal to stop.
        while stdin.read(&mut buffer).is_ok_and(|read| read > 0) {}
        std::process::exit(0);
    });
    serve(&listener)
}

/// Serves the connections `listener` accepts, with a writer thread per CPU.
fn serve(listener: &TcpListener) -> anyhow::Result<()> {
    let open = Arc::new(AtomicUsize::new(0));
    let threads = std::thread::available_parallelism().map_or(2, |count| count.get());
    let writers: Arc<Vec<mpsc::Sender<Command>>> = Arc::new(
        (0..threads)
            .map(|_| {
                let (sender, receiver) = mpsc::channel();
                let open = Arc::clone(&open);
                std::thread::spawn(move || write_frames(receiver, open));
                sender
            })
            .collect(),
    );
    let mut next_writer = 0;
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        if stream.set_read_timeout(Some(HEAD_TIMEOUT)).is_err() {
            continue;
        }
        let mut incoming = Incoming { stream, buffer: Vec::with_capacity(1024) };
        let Ok(Some(head)) = incoming.head() else { continue };
        if head.request_line.starts_with("GET ") {
            let Ok(socket) = upgrade(incoming, &head) else { continue };
            open.fetch_add(1, Ordering::Relaxed);
            writers[next_writer % writers.len()].send(Command::Add(socket)).context("a writer thread ended")?;
            next_writer += 1;
        } else {
            let _ = incoming.stream.set_read_timeout(None);
            let writers = Arc::clone(&writers);
            let open = Arc::clone(&open);
            std::thread::spawn(move || publish(incoming, head, &writers, &open));
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn frames_carry_their_length_in_the_shortest_form() {
        assert_eq!(text_frame(b"hi"), vec![0x81, 2, b'h', b'i']);
        let frame = text_frame(&[b'x'; 256]);
        assert_eq!(&frame[..4], &[0x81, 126, 1, 0]);
        assert_eq!(frame.len(), 260);
        let frame = text_frame(&vec![b'x'; 70_000]);
        assert_eq!(&frame[..2], &[0x81, 127]);
        assert_eq!(u64::from_be_bytes(frame[2..10].try_into().unwrap()), 70_000);
    }

    #[test]
    fn heads_split_into_a_request_line_and_lower_case_headers() {
        let head = Head::parse("POST /publish HTTP/1.1\r\nHost: x\r\nContent-Length: 256");
        assert_eq!(head.request_line, "POST /publish HTTP/1.1");
        assert_eq!(head.header("content-length"), Some("256"));
        assert_eq!(head.header("host"), Some("x"));
        assert_eq!(head.header("upgrade"), None);
    }

    fn read_until(stream: &mut TcpStream, buffer: &mut Vec<u8>, wanted: impl Fn(&[u8]) -> bool) {
        while !wanted(buffer) {
            let mut chunk = [0u8; 4096];
            let read = stream.read(&mut chunk).unwrap();
            assert!(read > 0, "closed after {:?}", String::from_utf8_lossy(buffer));
            buffer.extend_from_slice(&chunk[..read]);
        }
    }

    fn contains(bytes: &[u8], needle: &[u8]) -> bool {
        bytes.windows(needle.len()).any(|window| window == needle)
    }

    #[test]
    fn a_publication_reaches_every_subscriber_as_one_text_frame() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || serve(&listener));
        let timeout = Some(Duration::from_secs(10));
        let subscribers: Vec<TcpStream> = (0..3)
            .map(|_| {
                let mut stream = TcpStream::connect(addr).unwrap();
                stream.set_read_timeout(timeout).unwrap();
                stream
                    .write_all(
                        b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
                          Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
                    )
                    .unwrap();
                let mut answer = Vec::new();
                read_until(&mut stream, &mut answer, |bytes| contains(bytes, b"\r\n\r\n"));
                let answer = String::from_utf8(answer).unwrap();
                assert!(answer.starts_with("HTTP/1.1 101 "), "{answer}");
                // RFC 6455's own example key and answer.
                assert!(answer.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), "{answer}");
                stream
            })
            .collect();
        let mut publisher = TcpStream::connect(addr).unwrap();
        publisher.set_read_timeout(timeout).unwrap();
        let mut answers = Vec::new();
        for body in ["first", "second"] {
            let request = format!("POST /publish HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n{body}", body.len());
            publisher.write_all(request.as_bytes()).unwrap();
            read_until(&mut publisher, &mut answers, |bytes| contains(bytes, b"}"));
            let answer = String::from_utf8(std::mem::take(&mut answers)).unwrap();
            assert!(answer.starts_with("HTTP/1.1 200 "), "{answer}");
            assert!(answer.ends_with(r#"{"clients":3}"#), "{answer}");
        }
        let expected = [text_frame(b"first"), text_frame(b"second")].concat();
        for mut subscriber in subscribers {
            let mut received = Vec::new();
            read_until(&mut subscriber, &mut received, |bytes| bytes.len() >= expected.len());
            assert_eq!(received, expected);
        }
        let mut refused = TcpStream::connect(addr).unwrap();
        refused.set_read_timeout(timeout).unwrap();
        refused.write_all(b"POST /other HTTP/1.1\r\nContent-Length: 0\r\n\r\n").unwrap();
        let mut answer = Vec::new();
        read_until(&mut refused, &mut answer, |bytes| contains(bytes, b"\r\n\r\n"));
        assert!(answer.starts_with(b"HTTP/1.1 404 "), "{}", String::from_utf8_lossy(&answer));
    }
}
