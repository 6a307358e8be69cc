// The QR code on the chip citizen ID card (căn cước công dân, CCCD): fields
// separated by "|" — ID number (12 digits) | old 9-digit ID (may be empty) |
// full name | date of birth ddmmyyyy | gender (Nam/Nữ) | permanent address |
// issue date ddmmyyyy (docs/domain.md, The QR code on the chip citizen ID card).
// Seven or more fields are
// accepted (newer cards add trailing ones), text is normalised to NFC. The
// kiosk only needs the age, for the elderly priority; of the person it keeps
// nothing but a masked ID number for its log.

export interface CccdCard {
  idNumber: string;
  /** The old 9-digit ID (CMND), or 12 digits on some re-issued cards; null when empty. */
  oldIdNumber: string | null;
  name: string;
  /** YYYY-MM-DD */
  dateOfBirth: string;
  gender: 'Nam' | 'Nữ';
  address: string;
  /** YYYY-MM-DD */
  issueDate: string;
}

export type CccdParse = { ok: true; card: CccdCard } | { ok: false; reason: string };

/** ddmmyyyy → YYYY-MM-DD, or null if it is not a real calendar day. */
export function parseDdmmyyyy(text: string): string | null {
  const m = /^(\d{2})(\d{2})(\d{4})$/.exec(text);
  if (!m) return null;
  const [d, mo, y] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (y < 1900 || y > 2100 || mo < 1 || mo > 12 || d < 1) return null;
  const days = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (d > days) return null;
  return `${m[3]}-${m[2]}-${m[1]}`;
}

/** Parse the text a scanner sent (one line, without the CR/LF). */
export function parseCccdQr(raw: string): CccdParse {
  const text = raw
    .normalize('NFC')
    .replace(/^\uFEFF/, '')
    .trim();
  if (!text) return { ok: false, reason: 'empty' };
  if (text.length > 1000) return { ok: false, reason: `too long (${text.length} characters)` };
  const fields = text.split('|').map((f) => f.trim());
  if (fields.length < 7) return { ok: false, reason: `${fields.length} fields; a CCCD QR has at least 7` };
  const [idNumber, oldId, name, dob, gender, address, issued] = fields as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if (!/^\d{12}$/.test(idNumber)) return { ok: false, reason: 'the ID number is not 12 digits' };
  if (oldId !== '' && !/^(\d{9}|\d{12})$/.test(oldId)) {
    return { ok: false, reason: 'the old ID number is neither empty nor 9 digits' };
  }
  if (!name || /[\d|]/.test(name) || name.length > 100) return { ok: false, reason: 'no valid name' };
  const dateOfBirth = parseDdmmyyyy(dob);
  if (!dateOfBirth) return { ok: false, reason: 'the date of birth is not a ddmmyyyy date' };
  const g = gender.toLocaleLowerCase('vi');
  if (g !== 'nam' && g !== 'nữ') return { ok: false, reason: 'the gender is neither Nam nor Nữ' };
  const issueDate = parseDdmmyyyy(issued);
  if (!issueDate) return { ok: false, reason: 'the issue date is not a ddmmyyyy date' };
  if (issueDate < dateOfBirth) return { ok: false, reason: 'issued before the date of birth' };
  return {
    ok: true,
    card: {
      idNumber,
      oldIdNumber: oldId || null,
      name,
      dateOfBirth,
      gender: g === 'nam' ? 'Nam' : 'Nữ',
      address,
      issueDate,
    },
  };
}

/** 038090012345 → 0380******45: enough to tell two scans apart in a log, not to identify anyone. */
export function maskIdNumber(id: string): string {
  if (id.length <= 6) return '*'.repeat(id.length);
  return `${id.slice(0, 4)}${'*'.repeat(id.length - 6)}${id.slice(-2)}`;
}

/** Age in whole years on `date` (YYYY-MM-DD); a birthday on 29 February counts from 1 March. */
export function ageOn(dateOfBirth: string, date: string): number {
  const [by, bm, bd] = dateOfBirth.split('-').map(Number) as [number, number, number];
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  let age = y - by;
  if (m < bm || (m === bm && d < bd)) age--;
  return age;
}

/**
 * A card read on `today` (YYYY-MM-DD) cannot be of someone not yet born, nor
 * issued later than today: such a read is a damaged or forged code.
 */
export function cardDateProblem(
  card: Pick<CccdCard, 'dateOfBirth' | 'issueDate'>,
  today: string,
): string | null {
  if (card.dateOfBirth > today) return 'the date of birth is in the future';
  if (card.issueDate > today) return 'the issue date is in the future';
  return null;
}
