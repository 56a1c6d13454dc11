//! The interviewer's voice for one session: opened in the background when
//! the session starts, so a question whose clip was kept (`speech::cache`)
//! plays before the voice has finished opening; anything else waits for the
//! voice, is synthesized, and is kept for next time.

use std::path::PathBuf;
use std::sync::Arc;

use tokio::task::JoinHandle;

use crate::audio::{AudioError, Clip};
use crate::speech::cache::ClipCache;
use crate::speech::{Speaker, SpeechError, voices};

/// Where status lines go (the session's screen).
pub(super) type Say<'a> = &'a (dyn Fn(String) + Sync);

type Opened = (Result<Box<dyn Speaker>, SpeechError>, Option<String>);

/// The voice that asks the questions.
pub(super) struct Interviewer {
    opening: Option<JoinHandle<Opened>>,
    speaker: Option<Arc<dyn Speaker>>,
    cache: Option<ClipCache>,
}

impl Interviewer {
    /// No voice: the questions are printed only.
    pub(super) fn silent() -> Interviewer {
        Interviewer {
            opening: None,
            speaker: None,
            cache: None,
        }
    }

    /// Starts opening the voice `spec` (`--voice`) at `rate_wpm`; clips are
    /// kept in `cache_dir` when it is given and the voice is a natural one.
    pub(super) fn open(
        spec: Option<&str>,
        rate_wpm: Option<u32>,
        cache_dir: Option<PathBuf>,
    ) -> Interviewer {
        let choice = voices::parse(spec);
        let cache = cache_dir.and_then(|dir| ClipCache::for_choice(&dir, &choice, rate_wpm));
        let opening =
            tokio::task::spawn_blocking(move || voices::open_or_fall_back(&choice, rate_wpm));
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
                Err(e) => say(format!(
                    "the voice did not open ({e}); the questions will be printed instead"
                )),
            }
        }
        self.speaker.clone()
    }

    /// What `text` sounds like: the kept clip, or the voice's synthesis (kept
    /// for next time when it is the natural voice). None when there is no voice.
    pub(super) async fn clip(
        &mut self,
        say: Say<'_>,
        text: &str,
    ) -> Result<Option<Result<Clip, SpeechError>>, AudioError> {
        if let Some(kept) = self.cache.as_ref().and_then(|c| c.get(text)) {
            tracing::info!("the prompt's clip was kept from before");
            return Ok(Some(Ok(kept)));
        }
        let Some(speaker) = self.speaker(say).await else {
            return Ok(None);
        };
        let cache = self.cache.clone().filter(|c| c.is_for(&speaker.name()));
        let text = text.to_string();
        let clip = tokio::task::spawn_blocking(move || {
            let clip = speaker.synthesize(&text)?;
            if let Some(cache) = cache
                && let Err(e) = cache.put(&text, &clip)
            {
                // A clip that could not be kept is only slower next time.
                tracing::warn!("the prompt's clip was not kept: {e}");
            }
            Ok(clip)
        })
        .await
        .map_err(|e| AudioError::Device(e.to_string()))?;
        Ok(Some(clip))
    }
}
