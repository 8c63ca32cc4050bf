/** The deadline of a voice turn (hotline and reminder calls): Twilio gives up on a webhook after 15 s. */

export class TurnTimeout extends Error {
  constructor(ms: number) {
    super(`turn took longer than ${ms} ms`);
    this.name = 'TurnTimeout';
  }
}

/** `p`, or a TurnTimeout after `ms`. One promise and one timer a turn (Promise.race and finally made four). */
export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new TurnTimeout(ms)), ms);
    p.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}
