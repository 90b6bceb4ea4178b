/**
 * Which fields are masked: their values never leave the customer's browser (no input command,
 * not in a state send, not in any message to the shell) and operators cannot type into them.
 */

/** Payment-card and password autocomplete tokens (`cc-exp-month` too). */
const CARD_AUTOCOMPLETE = /(?:^|\s)(?:cc-(?:number|csc|exp)|current-password|new-password)/i;

export class Mask {
  readonly #selectors: string;

  /** `selectors`: TANDEM_MASK, a comma-separated CSS selector list (an invalid one is ignored). */
  constructor(selectors: string) {
    let s = selectors.trim();
    if (s) {
      try {
        document.createDocumentFragment().querySelector(s);
      } catch {
        s = '';
      }
    }
    this.#selectors = s;
  }

  /** TANDEM_MASK as a selector list ('' when unset or invalid). */
  get selectors(): string {
    return this.#selectors;
  }

  isMasked(el: Element): boolean {
    if (el.localName === 'input' && (el as HTMLInputElement).type === 'password') return true;
    if (el.closest('[data-tandem-mask]')) return true;
    const ac = el.getAttribute('autocomplete');
    if (ac && CARD_AUTOCOMPLETE.test(ac)) return true;
    if (this.#selectors) {
      try {
        return el.matches(this.#selectors) || el.closest(this.#selectors) !== null;
      } catch {
        return false;
      }
    }
    return false;
  }

  /** Operator side: shows a masked field as masked and keeps typing out of it. */
  markForOperator(root: ParentNode): void {
    const fields = root.querySelectorAll('input,textarea,select,[contenteditable]');
    for (let i = 0; i < fields.length; i++) {
      const el = fields[i] as HTMLElement;
      if (!this.isMasked(el) || el.hasAttribute('data-tandem-masked')) continue;
      el.setAttribute('data-tandem-masked', '');
      el.setAttribute('aria-readonly', 'true');
      el.style.setProperty('outline', '2px dashed #b45309', 'important');
      if (el.localName === 'input' || el.localName === 'textarea') {
        const f = el as HTMLInputElement;
        f.readOnly = true;
        f.value = '';
        f.placeholder = '•••••• (masked)';
        f.title = 'Masked: only the customer sees this value';
      } else if (el.isContentEditable) {
        el.contentEditable = 'false';
      } else if (el.localName === 'select') {
        (el as HTMLSelectElement).disabled = true;
      }
    }
  }
}
