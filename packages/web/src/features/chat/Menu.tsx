import { type KeyboardEvent, type ReactNode, useEffect, useId, useLayoutEffect, useRef, useState } from 'react';

interface Place {
  top?: number;
  bottom?: number;
  left?: number;
  right?: number;
}

/**
 * A button that opens a menu (WAI-ARIA menu button): arrow keys, Home and End move between the
 * items, Escape closes and returns to the button, Tab or a click elsewhere closes. The menu is
 * fixed to the viewport next to its button, so a scrolling container never clips it; scrolling
 * closes it.
 */
export function Menu({
  label,
  icon,
  className,
  children,
}: {
  label: string;
  icon: ReactNode;
  className?: string;
  /** The items; `close(focusButton)` after an action. */
  children: (close: (focusButton?: boolean) => void) => ReactNode;
}) {
  const id = useId();
  const [place, setPlace] = useState<Place | null>(null);
  const button = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);
  const open = place !== null;

  const close = (focusButton = true) => {
    setPlace(null);
    if (focusButton) button.current?.focus();
  };

  const toggle = () => {
    if (open) return close();
    const r = button.current?.getBoundingClientRect();
    if (!r) return;
    const w = window.innerWidth;
    const h = window.innerHeight;
    setPlace({
      ...(r.top > h / 2 ? { bottom: h - r.top + 4 } : { top: r.bottom + 4 }),
      ...(r.left > w / 2 ? { right: Math.max(4, w - r.right) } : { left: Math.max(4, r.left) }),
    });
  };

  const items = () => [...(menu.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? [])];

  useLayoutEffect(() => {
    if (open) menu.current?.querySelector<HTMLElement>('[role="menuitem"]')?.focus();
  }, [open]);

  useEffect(() => {
    if (!open) return;
    const outside = (e: Event) => {
      const target = e.target as Node;
      if (!menu.current?.contains(target) && !button.current?.contains(target)) setPlace(null);
    };
    const scrolled = (e: Event) => {
      if (!menu.current?.contains(e.target as Node)) setPlace(null);
    };
    document.addEventListener('pointerdown', outside);
    window.addEventListener('scroll', scrolled, true);
    window.addEventListener('resize', scrolled);
    return () => {
      document.removeEventListener('pointerdown', outside);
      window.removeEventListener('scroll', scrolled, true);
      window.removeEventListener('resize', scrolled);
    };
  }, [open]);

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const all = items();
    const i = all.indexOf(document.activeElement as HTMLElement);
    const move = (to: number) => {
      e.preventDefault();
      all[(to + all.length) % all.length]?.focus();
    };
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      close();
    } else if (e.key === 'ArrowDown' || e.key === 'ArrowRight') move(i + 1);
    else if (e.key === 'ArrowUp' || e.key === 'ArrowLeft') move(i - 1);
    else if (e.key === 'Home') move(0);
    else if (e.key === 'End') move(all.length - 1);
    else if (e.key === 'Tab') close(false);
  };

  return (
    <>
      <button
        ref={button}
        type="button"
        className={`icon-button ${className ?? ''}`}
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? id : undefined}
        aria-label={label}
        title={label}
        onClick={toggle}
      >
        {icon}
      </button>
      {place && (
        <div ref={menu} id={id} role="menu" aria-label={label} className="menu" style={place} onKeyDown={onKeyDown}>
          {children(close)}
        </div>
      )}
    </>
  );
}
