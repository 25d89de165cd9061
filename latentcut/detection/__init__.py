"""Score curves -> cuts and gradual transitions -> shots: thresholders, the spacing rule, results and the pipeline."""
