import { randomInt } from 'node:crypto';

const LEFT = [
  'brave',
  'calm',
  'eager',
  'fond',
  'gentle',
  'happy',
  'jolly',
  'keen',
  'lucid',
  'merry',
  'nifty',
  'proud',
  'quirky',
  'sharp',
  'tender',
  'vivid',
  'witty',
  'zen',
];
const RIGHT = [
  'albatross',
  'badger',
  'crane',
  'dolphin',
  'egret',
  'falcon',
  'gecko',
  'heron',
  'ibis',
  'jackal',
  'koala',
  'lemur',
  'marten',
  'newt',
  'otter',
  'puffin',
  'quail',
  'raven',
];

/** A random adjective_animal name, as Docker gives containers created without --name. */
export function randomName(): string {
  return `${LEFT[randomInt(LEFT.length)]}_${RIGHT[randomInt(RIGHT.length)]}`;
}
