// The vocabulary of the sample company: segments, industries, plans, competitors and the word
// lists names are built from. Public facts, not mechanisms.

export const SEGMENTS = ['smb', 'mid-market', 'enterprise'] as const;
export type Segment = (typeof SEGMENTS)[number];

export const INDUSTRIES = ['software', 'fintech', 'healthcare', 'retail', 'manufacturing', 'education', 'media', 'logistics'] as const;
export type Industry = (typeof INDUSTRIES)[number];

export const PLANS = ['starter', 'growth', 'enterprise'] as const;
export type Plan = (typeof PLANS)[number];

export const COMPETITORS = ['Churnly', 'RetainIQ', 'Pulsebeat', 'Stickyware', 'Loyalytics'] as const;

export const MARKET_EVENT_KINDS = ['launch', 'feature', 'price_cut', 'acquisition', 'funding', 'other'] as const;
export type MarketEventKind = (typeof MARKET_EVENT_KINDS)[number];

export const SUPPORT_CHANNELS = ['email', 'chat', 'phone', 'web'] as const;
export type SupportChannel = (typeof SUPPORT_CHANNELS)[number];

export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type Priority = (typeof PRIORITIES)[number];

export const COMPANY_WORDS = {
  prefixes: ['Acme', 'Blue', 'North', 'Bright', 'Silver', 'Iron', 'Clear', 'Swift', 'Nova', 'Peak', 'Quantum', 'Cedar', 'Harbor', 'Summit', 'Atlas', 'Pioneer', 'Vertex', 'Lumen', 'Orbit', 'Granite', 'Maple', 'Falcon', 'Crescent', 'Redwood'],
  cores: ['byte', 'flow', 'works', 'labs', 'logic', 'stack', 'grid', 'path', 'point', 'wave', 'forge', 'line', 'scale', 'field', 'sight', 'mark'],
  suffixes: ['Inc.', 'LLC', 'Ltd', 'GmbH', 'Group', 'Systems', 'Technologies', 'Partners', 'Co.'],
} as const;

export const PERSON_NAMES = {
  first: ['alex', 'sam', 'jordan', 'taylor', 'morgan', 'casey', 'riley', 'jamie', 'avery', 'quinn', 'dana', 'robin', 'kai', 'noa', 'lee', 'mika', 'sasha', 'toni', 'eli', 'ari'],
  last: ['garcia', 'nguyen', 'smith', 'muller', 'rossi', 'kowalski', 'tanaka', 'okafor', 'silva', 'dubois', 'jensen', 'novak', 'haddad', 'kim', 'patel', 'lindqvist', 'moreau', 'costa'],
} as const;

export const EMAIL_DOMAIN = 'sample-saas.example';
