// What the touch-screen guide (hub/web/assets/guide.js) reads: GET /api/guide
// and GET /api/guide/lines (hub/service/guide.ts builds them from the shapes
// in shared/protocol/guide.ts, which the kiosk reads too).
export type { GuideContent as GuideAnswer, GuideLines as GuideLinesAnswer } from '../protocol/guide.js';
