package io.flotilla.statemachine.store;

import java.io.IOException;

/** Lets tests interrupt an install at each {@link InstallStage}, as a crash would. */
@FunctionalInterface
interface InstallHook {

    InstallHook NONE = stage -> { };

    void reached(InstallStage stage) throws IOException;
}
