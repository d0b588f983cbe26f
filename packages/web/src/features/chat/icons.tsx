// Small line icons (currentColor, hidden from assistive technology: their buttons have names).
// SVG rather than emoji, which many systems (Linux without a colour-emoji font) cannot draw.

const base = {
  width: 20,
  height: 20,
  viewBox: '0 0 24 24',
  fill: 'none',
  stroke: 'currentColor',
  strokeWidth: 2,
  strokeLinecap: 'round',
  strokeLinejoin: 'round',
  focusable: false,
} as const;

export const PaperclipIcon = () => (
  <svg aria-hidden="true" {...base}>
    <path d="M21 11.5 12.5 20a5.5 5.5 0 0 1-7.8-7.8l8.5-8.5a3.7 3.7 0 0 1 5.2 5.2l-8.5 8.5a1.8 1.8 0 0 1-2.6-2.6l7.8-7.8" />
  </svg>
);

export const FileIcon = () => (
  <svg aria-hidden="true" {...base} width={16} height={16}>
    <path d="M14 3H7a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2V8z" />
    <path d="M14 3v5h5" />
  </svg>
);

export const PlusIcon = () => (
  <svg aria-hidden="true" {...base} width={16} height={16}>
    <path d="M12 5v14M5 12h14" />
  </svg>
);

export const ChatIcon = () => (
  <svg aria-hidden="true" {...base} width={16} height={16}>
    <path d="M4 5h16v11H9l-5 4z" />
  </svg>
);
