// Small line icons as inline SVG (built as DOM, so they follow currentColor
// and need no font or image request).
const NS = 'http://www.w3.org/2000/svg';

const PATHS = {
  heart: ['M12 20.3s-7.6-4.6-7.6-10.2A4.3 4.3 0 0 1 12 7.4a4.3 4.3 0 0 1 7.6 2.7c0 5.6-7.6 10.2-7.6 10.2z'],
  comment: ['M4.5 5.5h15v10.5h-9.5l-5.5 4z'],
  people: ['M15.5 19v-1.2a3.8 3.8 0 0 0-3.8-3.8H7.3a3.8 3.8 0 0 0-3.8 3.8V19', 'M9.5 4.2a3.3 3.3 0 1 1 0 6.6a3.3 3.3 0 1 1 0-6.6z', 'M20.5 19v-1.2a3.8 3.8 0 0 0-2.8-3.6', 'M15.2 4.4a3.3 3.3 0 0 1 0 6.3'],
  lock: ['M6 11h12v9H6z', 'M8.5 11V8a3.5 3.5 0 0 1 7 0v3'],
  hash: ['M5 9.5h14M5 14.5h14M10.5 4.5l-2 15M15.5 4.5l-2 15'],
  send: ['M4.5 11.8 19.5 4.5l-5.3 15-2.9-6.4z', 'M11.3 13.1 19.5 4.5'],
  close: ['M6.5 6.5l11 11M17.5 6.5l-11 11'],
  plus: ['M12 5.5v13M5.5 12h13'],
  pencil: ['M4.5 19.5l1-4.2L15.8 5a2 2 0 0 1 2.9 0l.3.3a2 2 0 0 1 0 2.9L8.7 18.5z', 'M13.8 7l3.2 3.2'],
  userPlus: ['M14 19v-1.2a3.8 3.8 0 0 0-3.8-3.8H6.3a3.8 3.8 0 0 0-3.8 3.8V19', 'M8.3 4.2a3.3 3.3 0 1 1 0 6.6a3.3 3.3 0 1 1 0-6.6z', 'M18.5 8v6M15.5 11h6'],
  home: ['M4.5 11 12 4.5l7.5 6.5', 'M6.5 9.5v10h11v-10', 'M10 19.5v-5h4v5'],
  compass: ['M12 3.5a8.5 8.5 0 1 1 0 17a8.5 8.5 0 1 1 0-17z', 'M15.3 8.7l-1.9 4.7-4.7 1.9 1.9-4.7z'],
  shield: ['M12 3.5 19 6v5.5c0 4.3-3 7.6-7 9-4-1.4-7-4.7-7-9V6z'],
  logout: ['M14.5 4.5h-8v15h8', 'M10.5 12h10M17 8.5l3.5 3.5-3.5 3.5'],
  paperclip: ['M20 11.5l-7.8 7.8a4.8 4.8 0 0 1-6.8-6.8l8.3-8.3a3.2 3.2 0 0 1 4.5 4.5l-8.3 8.3a1.6 1.6 0 0 1-2.3-2.3l7.6-7.6'],
  files: ['M8 3.5h7.5l4 4v12h-11.5z', 'M15.5 3.5v4h4', 'M4.5 7.5v13h10'],
  download: ['M12 4v11M7.5 10.5 12 15l4.5-4.5', 'M5 19.5h14'],
  chevronLeft: ['M14.5 5.5 8 12l6.5 6.5'],
  chevronRight: ['M9.5 5.5 16 12l-6.5 6.5'],
  bell: ['M6.5 16.5V11a5.5 5.5 0 0 1 11 0v5.5l1.5 2h-14z', 'M10 20.5a2.2 2.2 0 0 0 4 0'],
  check: ['M5 12.5l4.5 4.5L19 7.5'],
  poll: ['M5 19.5v-7M10 19.5v-14M15 19.5v-10M20 19.5v-5'],
  bellOff: ['M6.5 16.5V11a5.5 5.5 0 0 1 11 0v5.5l1.5 2h-14z', 'M4.5 4.5l15 15'],
  calendar: ['M4.5 6.5h15v13h-15z', 'M4.5 10.5h15', 'M8.5 4v4M15.5 4v4'],
  settings: ['M4 7h9M17 7h3M4 17h3M11 17h9', 'M15 5a2 2 0 1 1 0 4a2 2 0 1 1 0-4z', 'M9 15a2 2 0 1 1 0 4a2 2 0 1 1 0-4z'],
};

export function icon(name, { filled = false, size = 18 } = {}) {
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('width', String(size));
  svg.setAttribute('height', String(size));
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  svg.setAttribute('class', `icon icon-${name}`);
  svg.setAttribute('fill', filled ? 'currentColor' : 'none');
  svg.setAttribute('stroke', 'currentColor');
  svg.setAttribute('stroke-width', '1.8');
  svg.setAttribute('stroke-linecap', 'round');
  svg.setAttribute('stroke-linejoin', 'round');
  for (const d of PATHS[name] ?? []) {
    const path = document.createElementNS(NS, 'path');
    path.setAttribute('d', d);
    svg.append(path);
  }
  return svg;
}
