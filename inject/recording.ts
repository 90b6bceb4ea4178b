/**
 * The numbers of rrweb's recording that Tandem reads itself (the recorder's scrub, the mirror's
 * sanitizer and its own appliers), in one place, and the one custom event Tandem adds to it.
 * They are rrweb's serialized data (@rrweb/types), not imported so as not to pull rrweb into
 * bundles that only read its output.
 */

export const NODE_ELEMENT = 2;
export const NODE_TEXT = 3;

export const EVENT_FULL = 2;
export const EVENT_INCREMENTAL = 3;
export const EVENT_META = 4;
export const EVENT_CUSTOM = 5;

export const SOURCE_MUTATION = 0;
export const SOURCE_SCROLL = 3;
export const SOURCE_INPUT = 5;
export const SOURCE_STYLE_RULE = 8;
export const SOURCE_STYLE_DECLARATION = 13;
export const SOURCE_SELECTION = 14;
export const SOURCE_ADOPTED_STYLE = 15;

/** Custom event: every selected value of a `<select multiple>` (rrweb's input event has one). */
export const SELECT_EVENT = 'tandem-select';
