/** Every rule of the card, each made for one card's options. */
import type { ReportOptions } from '../options.js';
import type { Rule } from '../rule.js';
import { bounceRule } from './bounce.js';
import { dsnRule } from './dsn.js';
import { hygieneDialogueRule } from './hygiene-dialogue.js';
import { hygieneWireRule } from './hygiene-wire.js';
import { quit421Rule } from './quit-421.js';
import { retryRule } from './retry.js';
import { sizeRule } from './size.js';
import { split452Rule } from './split-452.js';
import { throttleRule } from './throttle.js';

export const makeRules = (options: ReportOptions): readonly Rule[] =>
  [retryRule, throttleRule, bounceRule, quit421Rule, split452Rule, sizeRule, dsnRule, hygieneDialogueRule, hygieneWireRule].map((make) => make(options));
