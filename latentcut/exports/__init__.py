"""Shots -> what editors and viewers take: edit lists (EDL, OpenTimelineIO, FCPXML), one file per
shot (split-video), stills per shot (save-images) and an HTML report."""
