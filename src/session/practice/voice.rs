//! The interviewer's voice for one session: opened in the background when
//! the session starts, so a question whose clip was kept (`speech::cache`)
//! plays before the voice has finished opening; anything else waits for the
//! voice and plays piece by piece as it is synthesized, then is kept for
//! next time.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use crate::audio::playback::{self, Played};
use crate::audio::{AudioError, Clip};
use crate::speech::cache::ClipCache;
use crate::speech::{Speaker, SpeechError, voices};

/// Told once the first piece of speech is ready to play.
pub(super) type FirstSound = tokio::sync::oneshot::Sender<()>;

/// Where status lines go (the session's screen).
pub(super) type Say<'a> = &'a (dyn Fn(String) + Sync);

type Opened = (Result<Box<dyn Speaker>, SpeechError>, Option<String>);

/// The voice that asks the questions.
pub struct Interviewer {
    opening: Option<tokio::sync::oneshot::Receiver<Opened>>,
    speaker: Option<Arc<dyn Speaker>>,
    cache: Option<ClipCache>,
}

impl Interviewer {
    /// No voice: the questions are printed only.
    pub fn silent() -> Interviewer {
        Interviewer {
            opening: None,
            speaker: None,
            cache: None,
        }
    }

    /// Starts opening the voice `spec` (`--voice`) at `rate_wpm`; clips are
    /// kept in `cache_dir` when it is given and the voice is a natural one.
    /// `first` is the prompt that will be said first: unless its clip was
    /// kept, the voice prepares it while it opens.
    pub fn open(
        spec: Option<&str>,
        rate_wpm: Option<u32>,
        cache_dir: Option<PathBuf>,
        first: Option<&str>,
    ) -> Interviewer {
        let choice = voices::parse(spec);
        let cache = cache_dir.and_then(|dir| ClipCache::for_choice(&dir, &choice, rate_wpm));
        let first = first
            .filter(|text| !cache.as_ref().is_some_and(|c| c.contains(text)))
            .map(str::to_string);
        // A thread of its own, so the voice can start opening before the
        // session (and its async runtime) is set up.
        let (opened, opening) = tokio::sync::oneshot::channel();
        std::thread::spawn(move || {
            let _ = opened.send(voices::open_or_fall_back(
                &choice,
                rate_wpm,
                first.as_deref(),
            ));
        });
        Interviewer {
            opening: Some(opening),
            speaker: None,
            cache,
        }
    }

    /// Whether `text` has a kept clip, so it can play before the voice opens.
    pub(super) fn has_kept(&self, text: &str) -> bool {
        self.cache.as_ref().is_some_and(|c| c.contains(text))
    }

    /// The voice, once open (waiting for it the first time, and saying on
    /// with `say` what fell back or failed); None when there is none.
    pub(super) async fn speaker(&mut self, say: Say<'_>) -> Option<Arc<dyn Speaker>> {
        if let Some(opening) = self.opening.take() {
            match opening.await {
                Ok((opened, notice)) => {
                    if let Some(notice) = notice {
                        say(notice);
                    }
                    match opened {
                        Ok(s) => {
                            tracing::info!(voice = %s.name(), "speaking the questions");
                            self.speaker = Some(Arc::from(s));
                        }
                        Err(e) => say(format!("{e}; the questions will be printed instead")),
                    }
                }
                Err(_) => say(
                    "the voice stopped while opening; the questions will be printed instead"
                        .to_string(),
                ),
            }
        }
        self.speaker.clone()
    }

    /// Says `text` on `device`: the kept clip, or the voice's synthesis
    /// played piece by piece as it is made (and kept for next time when it
    /// is the natural voice). `first_sound` is told when the first piece is
    /// ready (or dropped unused). Returns how the playing went, with the
    /// voice's error when it failed (the part made before it was played);
    /// None when there is no voice.
    pub(super) async fn speak(
        &mut self,
        say: Say<'_>,
        text: &str,
        device: Option<String>,
        cancel: Arc<AtomicBool>,
        first_sound: Option<FirstSound>,
    ) -> Result<Option<(Played, Option<SpeechError>)>, AudioError> {
        let mut first_sound = first_sound;
        if let Some(kept) = self.cache.as_ref().and_then(|c| c.get(text)) {
            tracing::info!("the prompt's clip was kept from before");
            if let Some(tell) = first_sound.take() {
                let _ = tell.send(());
            }
            let played = tokio::task::spawn_blocking(move || {
                playback::play(&kept, device.as_deref(), &cancel)
            })
            .await
            .map_err(|e| AudioError::Device(e.to_string()))??;
            return Ok(Some((played, None)));
        }
        let Some(speaker) = self.speaker(say).await else {
            return Ok(None);
        };
        let cache = self.cache.clone().filter(|c| c.is_for(&speaker.name()));
        let text = text.to_string();
        let (pieces, feed) = std::sync::mpsc::channel::<Clip>();
        let making = tokio::task::spawn_blocking(move || {
            let mut whole: Vec<f32> = Vec::new();
            let mut rate = 0;
            let made = speaker.synthesize_each(&text, &mut |piece| {
                whole.extend_from_slice(&piece.samples);
                rate = piece.rate;
                if let Some(tell) = first_sound.take() {
                    let _ = tell.send(());
                }
                // Once the listener has gone (playback failed or was
                // cancelled) there is no one to make the rest for.
                pieces.send(piece).is_ok()
            });
            drop(pieces);
            made?;
            if let Some(cache) = cache
                && rate > 0
                && let Err(e) = cache.put(
                    &text,
                    &Clip {
                        samples: whole,
                        rate,
                    },
                )
            {
                // A clip that could not be kept is only slower next time.
                tracing::warn!("the prompt's clip was not kept: {e}");
            }
            Ok(())
        });
        let playing = tokio::task::spawn_blocking(move || {
            playback::play_pieces(&feed, device.as_deref(), &cancel)
        });
        let played = playing
            .await
            .map_err(|e| AudioError::Device(e.to_string()))??;
        let made = making
            .await
            .map_err(|e| AudioError::Device(e.to_string()))?;
        Ok(Some((played, made.err())))
    }
}
