//! Recording an answer. A source (the cpal microphone, or a WAV file played
//! in real time) fills a pre-allocated ring buffer; the realtime callback does
//! nothing else and counts overruns. A worker thread owns all other state: it
//! downmixes, resamples to 16 kHz, runs the voice detector and appends every
//! block to the WAV on disk (header updated) before reading the next, so a
//! crash or Ctrl-C loses nothing already said.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU32, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use cpal::traits::{DeviceTrait, StreamTrait};
use cpal::{FromSample, SizedSample};
use rtrb::{Consumer, Producer, RingBuffer};

use super::device::{self, device_name, find_device};
use super::resample::To16k;
use super::spans;
use super::vad::{self, Vad, VoiceActivity};
use super::{AudioError, WHISPER_RATE, wav};
use crate::transcribe::stream::{Chunk, ChunkKind, ChunkSender, Chunker};

/// Seconds of device audio the ring buffer holds.
const RING_SECONDS: u32 = 4;
/// A microphone silent for this long (no samples at all) is gone.
const STALL: Duration = Duration::from_secs(2);
/// The most audio a device can hold between capture and delivery.
const MAX_IN_FLIGHT: Duration = Duration::from_secs(1);
/// Voiced time after which the answer counts as begun.
const SPEECH_BEGUN_S: f64 = 0.25;

/// Where the samples come from.
pub struct Source {
    consumer: Consumer<f32>,
    rate: u32,
    channels: u16,
    overruns: Arc<AtomicU64>,
    lost: Arc<AtomicBool>,
    latency_ns: Arc<AtomicU64>,
    clock: CaptureClock,
    stop: Arc<AtomicBool>,
    armed: Arc<AtomicBool>,
    _stream: Option<cpal::Stream>,
    feeder: Option<JoinHandle<()>>,
    /// Human-readable name of the source.
    pub name: String,
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Source")
            .field("name", &self.name)
            .field("rate", &self.rate)
            .finish()
    }
}

impl Drop for Source {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if self.lost.load(Ordering::Relaxed)
            && let Some(stream) = self._stream.take()
        {
            // Closing a stream whose audio daemon died can deadlock inside ALSA's
            // pulse plugin (its thread waits on a mutex the dead connection holds;
            // tests/faults.rs). Leave that one stream behind rather than hang.
            std::mem::forget(stream);
        }
        if let Some(f) = self.feeder.take() {
            let _ = f.join();
        }
    }
}

/// When each sample was captured, so the answer can start at the exact
/// sample that was captured when it began: samples still in flight then
/// predate it, samples captured after it are the answer.
#[derive(Clone, Debug)]
struct CaptureClock {
    epoch: Instant,
    /// Frames per second of the stream it times.
    rate: u32,
    /// Nanoseconds after `epoch` (before it when negative) at which the
    /// stream's first sample, frame 0 of those pushed into the ring, was
    /// captured; [`UNANCHORED`] until the first callback. The callback
    /// refreshes it every time, so dropped samples re-anchor it.
    origin_ns: Arc<AtomicI64>,
}

impl CaptureClock {
    fn new(rate: u32) -> CaptureClock {
        CaptureClock {
            epoch: Instant::now(),
            rate: rate.max(1),
            origin_ns: Arc::new(AtomicI64::new(UNANCHORED)),
        }
    }

    /// Called by the callback with the frames pushed before this buffer and
    /// how long ago its first frame was captured. Reads the clock (vDSO,
    /// never blocks) and stores one atomic.
    fn anchor(&self, frames_before: u64, captured_ago_ns: u64) {
        let now_ns = self.epoch.elapsed().as_nanos() as i64;
        let before_ns = (frames_before * 1_000_000_000 / u64::from(self.rate)) as i64;
        let origin = now_ns - captured_ago_ns as i64 - before_ns;
        self.origin_ns
            .store(origin.max(UNANCHORED + 1), Ordering::Relaxed);
    }

    /// The index of the first frame captured at or after now, if known.
    fn frame_now(&self) -> Option<u64> {
        let origin = self.origin_ns.load(Ordering::Relaxed);
        if origin == UNANCHORED {
            return None;
        }
        let now_ns = self.epoch.elapsed().as_nanos() as i64;
        let since_ns = u64::try_from(now_ns - origin).unwrap_or(0);
        Some(since_ns * u64::from(self.rate) / 1_000_000_000)
    }
}

/// [`CaptureClock::origin_ns`] before any callback.
const UNANCHORED: i64 = i64::MIN;

fn ring(rate: u32, channels: u16) -> (Producer<f32>, Consumer<f32>) {
    RingBuffer::new((rate * u32::from(channels) * RING_SECONDS) as usize)
}

impl Source {
    /// Opens the microphone (`name` matches part of a device name).
    pub fn microphone(name: Option<&str>) -> Result<Source, AudioError> {
        super::without_stderr(|| Source::open_microphone(name))
    }

    fn open_microphone(name: Option<&str>) -> Result<Source, AudioError> {
        let host = cpal::default_host();
        let device = find_device(&host, name, true)?;
        // A default device that cannot give a format is, to the user, no device.
        let supported = device.default_input_config().map_err(|e| match e.kind() {
            cpal::ErrorKind::DeviceNotAvailable | cpal::ErrorKind::HostUnavailable => {
                AudioError::NoDevice {
                    kind: "input",
                    wanted: name.map(str::to_string),
                }
            }
            _ => AudioError::Device(format!("the input device has no usable format: {e}")),
        })?;
        let mut config: cpal::StreamConfig = supported.config();
        // Ask for 16 kHz mono where the device offers it: no resampling, exact samples.
        if let Ok(ranges) = device.supported_input_configs() {
            let native = ranges.into_iter().find(|r| {
                r.sample_format() == supported.sample_format()
                    && r.min_sample_rate() <= WHISPER_RATE
                    && r.max_sample_rate() >= WHISPER_RATE
                    && r.channels() == 1
            });
            if native.is_some() {
                config.sample_rate = WHISPER_RATE;
                config.channels = 1;
            }
        }
        let (producer, consumer) = ring(config.sample_rate, config.channels);
        let overruns = Arc::new(AtomicU64::new(0));
        let lost = Arc::new(AtomicBool::new(false));
        let latency = Arc::new(AtomicU64::new(0));
        let clock = CaptureClock::new(config.sample_rate);
        let flags = (&overruns, &lost, &latency, &clock);
        let stream = match supported.sample_format() {
            cpal::SampleFormat::F32 => build::<f32>(&device, config, producer, flags),
            cpal::SampleFormat::I16 => build::<i16>(&device, config, producer, flags),
            cpal::SampleFormat::I32 => build::<i32>(&device, config, producer, flags),
            cpal::SampleFormat::U16 => build::<u16>(&device, config, producer, flags),
            cpal::SampleFormat::U8 => build::<u8>(&device, config, producer, flags),
            other => {
                return Err(AudioError::Device(format!(
                    "unsupported sample format {other}"
                )));
            }
        }?;
        stream
            .play()
            .map_err(|e| AudioError::Device(e.to_string()))?;
        Ok(Source {
            consumer,
            rate: config.sample_rate,
            channels: config.channels,
            overruns,
            lost,
            latency_ns: latency,
            clock,
            stop: Arc::new(AtomicBool::new(false)),
            armed: Arc::new(AtomicBool::new(true)),
            _stream: Some(stream),
            feeder: None,
            name: device_name(&device),
        })
    }

    /// Plays a WAV file into the ring buffer at real time, then silence, as
    /// if someone spoke it into a microphone.
    pub fn file_realtime(path: &Path) -> Result<Source, AudioError> {
        let clip = super::file::read_mono(path)?;
        let (mut producer, consumer) = ring(clip.rate, 1);
        let stop = Arc::new(AtomicBool::new(false));
        let stop_flag = stop.clone();
        let armed = Arc::new(AtomicBool::new(false));
        let go = armed.clone();
        let overruns = Arc::new(AtomicU64::new(0));
        let overrun_count = overruns.clone();
        let rate = clip.rate;
        let feeder = std::thread::Builder::new()
            .name("rehearse-file-source".into())
            .spawn(move || {
                // The file is the candidate's answer: it starts when the answer does.
                while !go.load(Ordering::Relaxed) {
                    if stop_flag.load(Ordering::Relaxed) {
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(1));
                }
                let started = Instant::now();
                let mut sent = 0usize;
                let silence = [0f32; 512];
                while !stop_flag.load(Ordering::Relaxed) {
                    let due = (started.elapsed().as_secs_f64() * f64::from(rate)) as usize;
                    while sent < due {
                        let n = (due - sent).min(512);
                        let block = if sent < clip.samples.len() {
                            &clip.samples[sent..(sent + n).min(clip.samples.len())]
                        } else {
                            &silence[..n]
                        };
                        let (pushed, rest) = producer.push_partial_slice(block);
                        overrun_count.fetch_add(rest.len() as u64, Ordering::Relaxed);
                        sent += pushed.len() + rest.len();
                    }
                    std::thread::sleep(Duration::from_millis(5));
                }
            })
            .map_err(|e| AudioError::Device(e.to_string()))?;
        Ok(Source {
            consumer,
            rate,
            channels: 1,
            overruns,
            lost: Arc::new(AtomicBool::new(false)),
            latency_ns: Arc::new(AtomicU64::new(0)),
            // Never anchored: the file starts when the answer does.
            clock: CaptureClock::new(rate),
            stop,
            armed,
            _stream: None,
            feeder: Some(feeder),
            name: path.display().to_string(),
        })
    }
}

type StreamFlags<'a> = (
    &'a Arc<AtomicU64>,
    &'a Arc<AtomicBool>,
    &'a Arc<AtomicU64>,
    &'a CaptureClock,
);

fn build<T>(
    device: &cpal::Device,
    config: cpal::StreamConfig,
    mut producer: Producer<f32>,
    (overruns, lost, latency, clock): StreamFlags,
) -> Result<cpal::Stream, AudioError>
where
    T: SizedSample,
    f32: FromSample<T>,
{
    let overrun_count = overruns.clone();
    let latency_ns = latency.clone();
    let lost_flag = lost.clone();
    let xruns = overruns.clone();
    let clock = clock.clone();
    let channels = usize::from(config.channels.max(1));
    let mut frames_pushed = 0u64;
    device
        .build_input_stream::<T, _, _>(
            config,
            // Realtime: copy into pre-allocated slots, count what does not fit. Nothing else.
            move |data: &[T], info: &cpal::InputCallbackInfo| {
                let ts = info.timestamp();
                let delay = ts.callback.duration_since(ts.capture).as_nanos() as u64;
                latency_ns.store(delay, Ordering::Relaxed);
                clock.anchor(frames_pushed, delay);
                let n = data.len().min(producer.slots()) / channels * channels;
                if let Ok(chunk) = producer.write_chunk_uninit(n) {
                    chunk.fill_from_iter(data[..n].iter().map(|s| s.to_sample::<f32>()));
                    frames_pushed += (n / channels) as u64;
                }
                if n < data.len() {
                    overrun_count.fetch_add((data.len() - n) as u64, Ordering::Relaxed);
                }
            },
            move |err: cpal::Error| {
                if device::is_lost(&err) {
                    lost_flag.store(true, Ordering::Relaxed);
                } else {
                    xruns.fetch_add(1, Ordering::Relaxed);
                }
            },
            None,
        )
        .map_err(|e| AudioError::Device(e.to_string()))
}

/// Live figures the screen shows while recording.
#[derive(Debug, Default)]
pub struct Live {
    level_bits: AtomicU32,
    answer_samples: AtomicU64,
    speech_begun: AtomicBool,
    trailing_silence_ms: AtomicU64,
    answer_open: AtomicBool,
    latency_us: AtomicU64,
    /// Set when the source failed (device unplugged, daemon gone).
    pub lost: AtomicBool,
    /// Set when the worker stopped on an error (the disk is full): the
    /// answer must end, and [`Recorder::finish`] returns the error.
    pub failed: AtomicBool,
}

impl Live {
    /// Input level, 0..1 (RMS of the last block, scaled).
    pub fn level(&self) -> f32 {
        f32::from_bits(self.level_bits.load(Ordering::Relaxed))
    }
    /// Seconds of answer recorded.
    pub fn answer_s(&self) -> f64 {
        self.answer_samples.load(Ordering::Relaxed) as f64 / f64::from(WHISPER_RATE)
    }
    /// Whether the candidate has started speaking.
    pub fn speech_begun(&self) -> bool {
        self.speech_begun.load(Ordering::Relaxed)
    }
    /// Seconds of silence since speech last stopped.
    pub fn trailing_silence_s(&self) -> f64 {
        self.trailing_silence_ms.load(Ordering::Relaxed) as f64 / 1000.0
    }
    /// The input stream's latency (capture to callback) when the answer began, seconds.
    pub fn input_latency_s(&self) -> f64 {
        self.latency_us.load(Ordering::Relaxed) as f64 / 1e6
    }
}

/// A finished recording.
#[derive(Debug, Clone)]
pub struct Recording {
    /// The WAV on disk (16 kHz mono 16-bit).
    pub wav: PathBuf,
    /// The samples, as written.
    pub samples: Vec<f32>,
    /// Voice activity on the answer's timeline.
    pub voice: VoiceActivity,
    /// Samples the ring buffer had to drop.
    pub overruns: u64,
    /// Whether the source failed before the answer ended.
    pub source_lost: bool,
}

enum Command {
    Answer(PathBuf, Option<ChunkSender>),
    Stop,
}

/// The recording worker; owns everything after the ring buffer.
pub struct Recorder {
    commands: Sender<Command>,
    thread: Option<JoinHandle<Result<Option<Recording>, AudioError>>>,
    /// Live figures.
    pub live: Arc<Live>,
    source: Option<Source>,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder").finish()
    }
}

impl Recorder {
    /// Starts the worker on a source. Samples are read (and dropped) until
    /// [`Recorder::begin_answer`], so the stream is warm before the question ends.
    pub fn start(mut source: Source) -> Result<Recorder, AudioError> {
        let (tx, rx) = mpsc::channel();
        let live = Arc::new(Live::default());
        let consumer = std::mem::replace(&mut source.consumer, RingBuffer::new(1).1);
        let worker = Worker {
            consumer,
            rate: source.rate,
            channels: usize::from(source.channels.max(1)),
            overruns: source.overruns.clone(),
            lost: source.lost.clone(),
            latency_ns: source.latency_ns.clone(),
            clock: source.clock.clone(),
            frames_read: 0,
            live: live.clone(),
        };
        let thread = std::thread::Builder::new()
            .name("rehearse-capture".into())
            .spawn(move || {
                let live = worker.live.clone();
                let result = worker.run(rx);
                if result.is_err() {
                    live.failed.store(true, Ordering::Release);
                }
                result
            })
            .map_err(|e| AudioError::Device(e.to_string()))?;
        Ok(Recorder {
            commands: tx,
            thread: Some(thread),
            live,
            source: Some(source),
        })
    }

    /// From now on every sample is the answer, written to `wav`; if `chunks`
    /// is given, finished chunks (cut at pauses) go there as the answer goes
    /// on, and the last one when it ends. Returns once the worker has the
    /// file open, so no sample falls in between.
    pub fn begin_answer(
        &self,
        wav: PathBuf,
        chunks: Option<ChunkSender>,
    ) -> Result<(), AudioError> {
        let _ = self.commands.send(Command::Answer(wav, chunks));
        let deadline = Instant::now() + Duration::from_secs(5);
        while !self.live.answer_open.load(Ordering::Acquire) {
            if self.thread.as_ref().is_none_or(|t| t.is_finished()) || Instant::now() > deadline {
                return Err(AudioError::Device(
                    "the capture worker did not start the answer".into(),
                ));
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        if let Some(source) = &self.source {
            source.armed.store(true, Ordering::Release);
        }
        Ok(())
    }

    /// Stops, drains what the ring buffer still holds, and finalises the WAV.
    pub fn finish(mut self) -> Result<Option<Recording>, AudioError> {
        let _ = self.commands.send(Command::Stop);
        let result = match self.thread.take() {
            Some(t) => t
                .join()
                .unwrap_or_else(|_| Err(AudioError::Device("the capture worker stopped".into()))),
            None => Ok(None),
        };
        drop(self.source.take());
        result
    }
}

struct Worker {
    consumer: Consumer<f32>,
    rate: u32,
    channels: usize,
    overruns: Arc<AtomicU64>,
    lost: Arc<AtomicBool>,
    latency_ns: Arc<AtomicU64>,
    clock: CaptureClock,
    /// Frames taken from the ring so far, in the clock's numbering.
    frames_read: u64,
    live: Arc<Live>,
}

struct Answer {
    writer: hound::WavWriter<std::io::BufWriter<std::fs::File>>,
    path: PathBuf,
    samples: Vec<f32>,
    vad: Vad,
    resampler: To16k,
    chunker: Chunker,
    chunks: Option<ChunkSender>,
}

impl Worker {
    fn run(mut self, commands: Receiver<Command>) -> Result<Option<Recording>, AudioError> {
        let block = (self.rate as usize / 100).max(1) * self.channels; // 10 ms
        let mut raw = vec![0f32; block * 8];
        let mut mono: Vec<f32> = Vec::with_capacity(raw.len());
        let mut out16: Vec<f32> = Vec::with_capacity(raw.len() * 2 + 2048);
        let mut answer: Option<Answer> = None;
        let mut stopping = false;
        // Samples still to drop at the start of the answer: they were captured
        // before it began and only delivered after.
        let mut skip = 0usize;
        // A live stream that stops delivering (audio daemon killed) is lost.
        let mut last_data = Instant::now();
        loop {
            while let Ok(cmd) = commands.try_recv() {
                match cmd {
                    Command::Answer(path, chunks) => {
                        // What already arrived predates the answer.
                        let pending = self.consumer.slots() / self.channels * self.channels;
                        if let Ok(chunk) = self.consumer.read_chunk(pending) {
                            chunk.commit_all();
                            self.frames_read += (pending / self.channels) as u64;
                        }
                        let latency_s = self.latency_ns.load(Ordering::Relaxed) as f64 / 1e9;
                        self.live
                            .latency_us
                            .store((latency_s * 1e6) as u64, Ordering::Relaxed);
                        // What is still in flight was captured before now, up to
                        // the frame the capture clock says is now.
                        // A delay past MAX_IN_FLIGHT is a bad reading, not audio.
                        let most = (MAX_IN_FLIGHT.as_secs_f64() * f64::from(self.rate)) as u64;
                        skip = self.clock.frame_now().map_or(0, |now| {
                            now.saturating_sub(self.frames_read).min(most) as usize * self.channels
                        });
                        answer = Some(self.open_answer(path, chunks)?);
                        self.live.answer_open.store(true, Ordering::Release);
                    }
                    Command::Stop => stopping = true,
                }
            }
            let available = self.consumer.slots();
            if available < self.channels {
                if stopping {
                    break;
                }
                if self.lost.load(Ordering::Relaxed) {
                    self.live.lost.store(true, Ordering::Relaxed);
                    if answer.is_none() {
                        return Err(AudioError::DeviceLost);
                    }
                    // Keep the answer so far; the session decides what to do.
                    std::thread::sleep(Duration::from_millis(10));
                    if commands.try_recv().is_ok() {
                        break;
                    }
                    continue;
                }
                if answer.is_some()
                    && last_data.elapsed() > STALL
                    && self.latency_ns.load(Ordering::Relaxed) > 0
                {
                    self.lost.store(true, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(5));
                continue;
            }
            last_data = Instant::now();
            let take = available.min(raw.len()) / self.channels * self.channels;
            let (filled, _) = self.consumer.pop_partial_slice(&mut raw[..take]);
            self.frames_read += (filled.len() / self.channels) as u64;
            let dropped = skip.min(filled.len());
            skip -= dropped;
            let filled = &filled[dropped..];
            if filled.is_empty() {
                continue;
            }
            mono.clear();
            mono.extend(
                filled
                    .chunks(self.channels)
                    .map(|f| f.iter().sum::<f32>() / self.channels as f32),
            );
            let rms = (mono.iter().map(|s| s * s).sum::<f32>() / mono.len().max(1) as f32).sqrt();
            self.live
                .level_bits
                .store((rms * 4.0).min(1.0).to_bits(), Ordering::Relaxed);
            if let Some(a) = answer.as_mut() {
                out16.clear();
                a.resampler.push(&mono, &mut out16)?;
                self.append(a, &out16)?;
            }
        }
        let Some(mut a) = answer else {
            return Ok(None);
        };
        out16.clear();
        a.resampler.finish(&mut out16)?;
        self.append(&mut a, &out16)?;
        let fail = |e: hound::Error| AudioError::Write {
            path: a.path.clone(),
            err: e.to_string(),
        };
        let path = a.path.clone();
        a.writer.finalize().map_err(fail)?;
        // The last chunk: whatever follows the last cut, up to the end of speech.
        if let Some(tx) = a.chunks.take()
            && let Some(span) = a.chunker.last(&a.vad.activity.voiced, a.samples.len())
        {
            let speech = spans::speech_spans(&a.vad.activity);
            tx.send(Chunk::of(&a.samples, &speech, span, ChunkKind::Last));
        }
        Ok(Some(Recording {
            wav: path,
            samples: a.samples,
            voice: a.vad.activity,
            overruns: self.overruns.load(Ordering::Relaxed),
            source_lost: self.lost.load(Ordering::Relaxed),
        }))
    }

    fn open_answer(
        &self,
        path: PathBuf,
        chunks: Option<ChunkSender>,
    ) -> Result<Answer, AudioError> {
        let writer = wav::create_private(&path)?;
        Ok(Answer {
            writer,
            path,
            samples: Vec::with_capacity(WHISPER_RATE as usize * 240),
            vad: Vad::default(),
            resampler: To16k::new(self.rate)?,
            chunker: Chunker::new(),
            chunks,
        })
    }

    /// Writes a block to disk (header updated), then updates the live state.
    fn append(&self, a: &mut Answer, block: &[f32]) -> Result<(), AudioError> {
        if block.is_empty() {
            return Ok(());
        }
        let fail = |e: hound::Error| AudioError::Write {
            path: a.path.clone(),
            err: e.to_string(),
        };
        for &s in block {
            a.writer.write_sample(wav::to_i16(s)).map_err(fail)?;
        }
        a.writer.flush().map_err(fail)?;
        a.samples.extend_from_slice(block);
        let before = a.vad.activity.voiced.len();
        a.vad.push(block);
        let frames = &a.vad.activity.voiced;
        let voiced = frames.iter().filter(|v| **v).count() as f64 * vad::FRAME_S;
        if voiced >= SPEECH_BEGUN_S && !self.live.speech_begun() {
            self.live.speech_begun.store(true, Ordering::Relaxed);
        }
        if let Some(tx) = &a.chunks {
            let steps = a.chunker.catch_up(frames, before, a.samples.len());
            if !steps.is_empty() {
                // The speech so far, from the voice activity already computed:
                // the transcriber never runs the detector again.
                let speech = spans::speech_spans(&a.vad.activity);
                for step in steps {
                    tx.send(step.chunk(&a.samples, &speech));
                }
            }
        }
        let trailing = frames.iter().rev().take_while(|v| !**v).count() as f64 * vad::FRAME_S;
        self.live
            .trailing_silence_ms
            .store((trailing * 1000.0) as u64, Ordering::Relaxed);
        self.live
            .answer_samples
            .store(a.samples.len() as u64, Ordering::Relaxed);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_capture_clock_counts_the_frames_still_in_flight_as_before_now() {
        let clock = CaptureClock::new(16_000);
        assert_eq!(clock.frame_now(), None, "unknown until a callback");
        // 1 s already pushed, and this buffer's first frame captured 0.5 s ago.
        clock.anchor(16_000, 500_000_000);
        let now = clock.frame_now().unwrap();
        assert!((24_000..24_000 + 1_600).contains(&now), "{now}");
    }
}
