/**
 * Calls `onChange(true)` after `ms` without keyboard or pointer input, and `onChange(false)` at
 * the next input. Returns a function that stops watching.
 */
export function watchIdle(onChange: (idle: boolean) => void, ms: number): () => void {
  let idle = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const active = () => {
    clearTimeout(timer);
    if (idle) {
      idle = false;
      onChange(false);
    }
    timer = setTimeout(() => {
      idle = true;
      onChange(true);
    }, ms);
  };
  const events = ['pointerdown', 'keydown', 'wheel', 'touchstart'] as const;
  for (const e of events) window.addEventListener(e, active, { passive: true });
  active();
  return () => {
    clearTimeout(timer);
    for (const e of events) window.removeEventListener(e, active);
  };
}
