// The one backoff every poll uses (health, share, alert path, upload retries, preflight).
import { strict as assert } from "assert";
import { backoff } from "../components/shared/timing";

const take = (g: Generator<number>, n: number) => Array.from({ length: n }, () => g.next().value as number);

describe("timing: backoff", () => {
    it("grows by the factor, rounding up, and stops at the cap", () => {
        assert.deepEqual(take(backoff(1_000, 2, 8_000), 6), [1_000, 2_000, 4_000, 8_000, 8_000, 8_000]);
        assert.deepEqual(take(backoff(5, 1.5, 20), 6), [5, 8, 12, 18, 20, 20]);
    });

    it("never pauses for less than 1 ms or above the cap, even from odd bounds", () => {
        assert.deepEqual(take(backoff(0, 2, 0), 3), [1, 1, 1]);
        assert.deepEqual(take(backoff(50, 2, 10), 2), [10, 10], "a first pause above the cap is capped");
    });
});
