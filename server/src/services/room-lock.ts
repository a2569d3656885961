/**
 * Serialises everything that changes a room (CONVENTIONS rule 6): per room, one job at a time, in
 * arrival order. Different rooms run concurrently (their writes still share one group commit).
 */
export interface RoomLock {
  run<T>(roomId: string, job: () => Promise<T>): Promise<T>;
}

export function createRoomLock(): RoomLock {
  const tails = new Map<string, Promise<unknown>>();
  return {
    run<T>(roomId: string, job: () => Promise<T>): Promise<T> {
      const previous = tails.get(roomId) ?? Promise.resolve();
      const result = previous.then(job, job);
      const tail = result.catch(() => undefined);
      tails.set(roomId, tail);
      // Forget the room once nothing is queued behind this job.
      void tail.then(() => {
        if (tails.get(roomId) === tail) tails.delete(roomId);
      });
      return result;
    },
  };
}
