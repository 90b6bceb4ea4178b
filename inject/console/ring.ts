/**
 * The ring: visible always (the console and the new call pulse, the title counts), audible
 * where the browser allows sound, which is after the operator's first gesture on the page.
 */

export class Ring {
  #audio: AudioContext | null = null;
  #timer = 0;

  constructor(private readonly body: HTMLElement) {
    const unlock = (): void => {
      try {
        this.#audio ??= new AudioContext();
        void this.#audio.resume();
      } catch {
        /* no WebAudio: the ring stays visual */
      }
    };
    addEventListener('pointerdown', unlock, { capture: true });
    addEventListener('keydown', unlock, { capture: true });
  }

  ring(): void {
    this.body.classList.remove('tc-ringing');
    void this.body.offsetWidth;
    this.body.classList.add('tc-ringing');
    clearTimeout(this.#timer);
    this.#timer = window.setTimeout(() => this.body.classList.remove('tc-ringing'), 4000);
    this.#beep();
  }

  #beep(): void {
    const ctx = this.#audio;
    if (!ctx || ctx.state !== 'running') return;
    for (const [at, freq] of [
      [0, 880],
      [0.22, 660],
    ] as const) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, ctx.currentTime + at);
      gain.gain.exponentialRampToValueAtTime(0.2, ctx.currentTime + at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + at + 0.18);
      osc.connect(gain).connect(ctx.destination);
      osc.start(ctx.currentTime + at);
      osc.stop(ctx.currentTime + at + 0.2);
    }
  }
}
