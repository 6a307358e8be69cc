// Satisfaction levels and their scores (docs/domain.md, Satisfaction levels).
// Circular 01/2018/TT-VPCP scores an officer's attitude 2 / 1 / 0 (Rất hài lòng / Hài lòng / Không hài lòng);
// offices that add "Bình thường" count it like "Hài lòng" (1 point) by
// default, since the citizen did not complain. Both are settings.

export const RATING_LEVELS = ['very_satisfied', 'satisfied', 'neutral', 'unsatisfied'] as const;
export type RatingLevel = (typeof RATING_LEVELS)[number];

export const RATING_NAMES: Record<RatingLevel, string> = {
  very_satisfied: 'Rất hài lòng',
  satisfied: 'Hài lòng',
  neutral: 'Bình thường',
  unsatisfied: 'Không hài lòng',
};

export interface RatingScale {
  levels: RatingLevel[];
  scores: Record<RatingLevel, number>;
}

export const THREE_LEVELS: RatingScale = {
  levels: ['very_satisfied', 'satisfied', 'unsatisfied'],
  scores: { very_satisfied: 2, satisfied: 1, neutral: 1, unsatisfied: 0 },
};

export const FOUR_LEVELS: RatingScale = {
  levels: ['very_satisfied', 'satisfied', 'neutral', 'unsatisfied'],
  scores: { very_satisfied: 2, satisfied: 1, neutral: 1, unsatisfied: 0 },
};
